/* cookie: implementation pending */
#include <config.h>
