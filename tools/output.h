/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPSEC_TOOLS_OUTPUT_H
#define NFIPSEC_TOOLS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A minimal JSON writer for -j, shaped like iproute2's: the caller opens
 * arrays and objects and adds members; commas and quoting are handled here.
 */
extern bool nfi_json;

void jw_open_array(const char *key);
void jw_close_array(void);
void jw_open_object(const char *key);
void jw_close_object(void);
void jw_string(const char *key, const char *val);
void jw_u64(const char *key, uint64_t val);
void jw_end(void);	/* newline after the top-level value */

#endif
