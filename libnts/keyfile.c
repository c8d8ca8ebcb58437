/* keyfile: implementation pending */
#include <config.h>
