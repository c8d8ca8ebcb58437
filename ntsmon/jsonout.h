/* ntsmon --json: every target's snapshot as one JSON document (jansson). */
#ifndef NTSMON_JSONOUT_H
#define NTSMON_JSONOUT_H

#include <stdio.h>

#include "model.h"

int mon_json_print(FILE *f, const struct mon_target *t, size_t n);

#endif
