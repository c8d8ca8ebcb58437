/* counters: implementation pending */
#include <config.h>
