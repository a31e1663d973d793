#include <stddef.h>
#include <stdio.h>
#include <cblas.h>
