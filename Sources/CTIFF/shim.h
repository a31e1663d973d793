#include <stddef.h>
#include <stdarg.h>
#include <tiffio.h>
