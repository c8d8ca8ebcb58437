/* err: implementation pending */
#include <config.h>
