/* tls: implementation pending */
#include <config.h>
