/* nts_ef: implementation pending */
#include <config.h>
