#include <stddef.h>
#include <libheif/heif.h>
