/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_AH_H
#define _NFIPSEC_AH_H

#include "esp.h"

/* The longest ICV computed: SHA-512's 64 bytes (truncated as the SA says). */
#define NFIPSEC_AH_MAX_ICV 64

/*
 * AH's length in the packet: its 12-byte header and the ICV, padded to 4
 * bytes over IPv4 (RFC 4302 2.2; 8 with NFIPSEC_SA_F_ALIGN8, as plain
 * ip xfrm sends) and to 8 over IPv6.
 */
unsigned int nfipsec_ah_len(const struct nfipsec_sa *sa);

/*
 * Compute the ICV of the packet at skb->data (its network header): hlen
 * bytes of headers, then nfipsec_ah_len() bytes of room that become AH
 * (next header nexthdr, the SA's SPI and next sequence number), then the
 * payload. The headers' lengths, the field that names AH and IPv4's ID
 * must be final. done gets the skb back with skb->data unchanged, as
 * nfipsec_esp_output()'s.
 */
void nfipsec_ah_output(struct sk_buff *skb, struct nfipsec_sa *sa,
		       unsigned int hlen, u8 nexthdr, nfipsec_esp_done_t done);

/*
 * Verify the AH packet at skb->data (its network header; AH at hlen, its
 * full sequence number seq). On success (err 0) skb->data is the payload,
 * the headers in front of AH untouched, and the next header value is in
 * *NFIPSEC_ESP_CB(skb); -EBADMSG: the ICV does not match.
 */
void nfipsec_ah_input(struct sk_buff *skb, struct nfipsec_sa *sa,
		      unsigned int hlen, u64 seq, nfipsec_esp_done_t done);

#endif /* _NFIPSEC_AH_H */
