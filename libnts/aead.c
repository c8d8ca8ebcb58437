/* aead: implementation pending */
#include <config.h>
