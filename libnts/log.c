/* log: implementation pending */
#include <config.h>
