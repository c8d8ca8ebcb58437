/* buf: implementation pending */
#include <config.h>
