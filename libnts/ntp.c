/* ntp: implementation pending */
#include <config.h>
