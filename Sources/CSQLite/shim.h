#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>
