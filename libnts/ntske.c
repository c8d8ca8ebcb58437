/* ntske: implementation pending */
#include <config.h>
