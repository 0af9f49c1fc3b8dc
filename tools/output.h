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
/*
 * -o: an object on one line; where its text breaks a line, " \\" and the
 * next line's indent instead (as ip -o prints).
 */
extern bool nfi_oneline;

void jw_open_array(const char *key);
void jw_close_array(void);
void jw_open_object(const char *key);
void jw_close_object(void);
void jw_string(const char *key, const char *val);
void jw_u64(const char *key, uint64_t val);
void jw_bool(const char *key, bool val);
void jw_end(void);	/* newline after the top-level value */

/*
 * One call for both outputs: in text, "key value" words separated by
 * spaces, as ip-xfrm prints them; in JSON, members of the object open.
 * JSON keys are the words of the text.
 */
void nfi_out_str(const char *key, const char *val);
void nfi_out_u64(const char *key, uint64_t val);
/* A value without its key in text ("aead NAME KEY 128"). */
void nfi_out_val_str(const char *key, const char *val);
void nfi_out_val_u64(const char *key, uint64_t val);
/*
 * Text only: a word; a line break and the next line's indent (NULL: the
 * object's end, a newline even with -o).
 */
void nfi_out_word(const char *word);
void nfi_out_line(const char *indent);
/* A nested object under key; text prints word (if not NULL) instead. */
void nfi_out_open(const char *key, const char *word);
void nfi_out_close(void);
/* A list of words under key: "flag esn noecn", "flag":["esn","noecn"]. */
void nfi_out_open_list(const char *key);
void nfi_out_item(const char *word);
void nfi_out_close_list(void);

#endif
