/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dslite wire formats: every packet layout and protocol constant dslite
 * uses, in one header that compiles both for the BPF target
 * (clang -target bpf) and for userspace (gcc/clang, glibc).
 *
 * It depends only on <linux/types.h>. Multi-byte fields of the packet
 * structs are in network byte order (__be16/__be32); constants are given in
 * host order and must be converted (bpf_htons()/htons() ...) before being
 * compared with a field, except where a name ends in _BE (already in
 * network byte order).
 *
 * Contents
 *   - DS-Lite (RFC 6333, RFC 7335): the well-known inner addresses.
 *   - BFD (RFC 5880 section 4.1, RFC 5881): control packet, bits, states,
 *     diagnostic codes, UDP ports.
 *   - PCP (RFC 6887): version, port, opcodes and result codes (used by the
 *     B4 probes; the packet structs come with that code).
 *   - ICMP/ICMPv6 echo and Packet Too Big constants.
 */
#ifndef _DSLITE_PROTO_H
#define _DSLITE_PROTO_H

#include <linux/types.h>

/* ------------------------------------------------------------------------
 * DS-Lite (RFC 6333 section 5.7, RFC 7335: 192.0.0.0/29 for B4/AFTR).
 * Every B4 uses the same inner pair, so the AFTR tells softwires apart by
 * the outer IPv6 source address.
 */
#define DSLITE_AFTR_ADDR	0xc0000001U	/* 192.0.0.1, host order */
#define DSLITE_B4_ADDR		0xc0000002U	/* 192.0.0.2, host order */
#define DSLITE_WK_PREFIX	0xc0000000U	/* 192.0.0.0 ... */
#define DSLITE_WK_PREFIX_LEN	29		/* ... /29 */

/* IPv6 next header value of IPv4-in-IPv6 (the softwire encapsulation). */
#define DSLITE_NEXTHDR_IPIP	4

/* ------------------------------------------------------------------------
 * BFD (RFC 5880, RFC 5881 single hop, RFC 5883 multihop, RFC 7881 S-BFD).
 */
#define BFD_PORT_CONTROL	3784	/* single-hop control, RFC 5881 */
#define BFD_PORT_ECHO		3785	/* echo, RFC 5881 */
#define BFD_PORT_MULTIHOP	4784	/* multihop control, RFC 5883 */
#define BFD_PORT_SBFD		7784	/* seamless BFD reflector, RFC 7881 */

/* RFC 5881 section 4: control packets are sent from a port in this range
 * (the same port for every packet of a session) and with TTL 255
 * (GTSM, RFC 5082: the receiver checks TTL == 255). */
#define BFD_SRC_PORT_MIN	49152
#define BFD_SRC_PORT_MAX	65535
#define BFD_TTL			255

#define BFD_VERSION		1

/* Length of a control packet without authentication section, and the
 * minimum with one (RFC 5880 6.8.6: 24, or 26 when the A bit is set). */
#define BFD_CTRL_LEN		24
#define BFD_CTRL_LEN_AUTH_MIN	26

/*
 * The mandatory section of a BFD control packet (RFC 5880 section 4.1):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
 *  |                       My Discriminator                        |
 *  |                      Your Discriminator                       |
 *  |                    Desired Min TX Interval                    |
 *  |                   Required Min RX Interval                    |
 *  |                 Required Min Echo RX Interval                 |
 *
 * Intervals are in microseconds. An authentication section (A bit) may
 * follow; dslite does not implement authentication.
 */
struct bfd_ctrl {
	__u8	vers_diag;	/* version << 5 | diag */
	__u8	flags;		/* state << 6 | P F C A D M */
	__u8	detect_mult;
	__u8	length;		/* bytes, whole packet incl. auth section */
	__be32	my_discr;
	__be32	your_discr;
	__be32	desired_min_tx;		/* us */
	__be32	required_min_rx;	/* us */
	__be32	required_min_echo_rx;	/* us, 0: echo not supported */
};

#define BFD_VERS_SHIFT		5
#define BFD_DIAG_MASK		0x1f
#define BFD_STATE_SHIFT		6
#define BFD_FLAG_POLL		0x20	/* P: verification/parameter change */
#define BFD_FLAG_FINAL		0x10	/* F: answer to a Poll */
#define BFD_FLAG_CPI		0x08	/* C: control plane independent */
#define BFD_FLAG_AUTH		0x04	/* A: authentication present */
#define BFD_FLAG_DEMAND		0x02	/* D: demand mode */
#define BFD_FLAG_MULTIPOINT	0x01	/* M: reserved, must be zero */

#define bfd_ctrl_version(p)	((p)->vers_diag >> BFD_VERS_SHIFT)
#define bfd_ctrl_diag(p)	((p)->vers_diag & BFD_DIAG_MASK)
#define bfd_ctrl_state(p)	((p)->flags >> BFD_STATE_SHIFT)

/* Session states (RFC 5880 4.1, "Sta"). */
enum bfd_state {
	BFD_STATE_ADMIN_DOWN	= 0,
	BFD_STATE_DOWN		= 1,
	BFD_STATE_INIT		= 2,
	BFD_STATE_UP		= 3,
};

/* Diagnostic codes (RFC 5880 4.1; IANA "BFD Diagnostic Codes"). The same
 * values as enum dslite_diag in <linux/dslite.h>. */
enum bfd_diag {
	BFD_DIAG_NONE				= 0,
	BFD_DIAG_CONTROL_EXPIRED		= 1,
	BFD_DIAG_ECHO_FAILED			= 2,
	BFD_DIAG_NEIGHBOR_DOWN			= 3,
	BFD_DIAG_FWD_RESET			= 4,
	BFD_DIAG_PATH_DOWN			= 5,
	BFD_DIAG_CONCAT_PATH_DOWN		= 6,
	BFD_DIAG_ADMIN_DOWN			= 7,
	BFD_DIAG_REVERSE_CONCAT_PATH_DOWN	= 8,
};
#define BFD_DIAG_MAX		BFD_DIAG_REVERSE_CONCAT_PATH_DOWN

/* RFC 5880 6.8.3: while a session is not Up, Desired Min TX must be at
 * least one second. */
#define BFD_SLOW_TX_US		1000000U

/* ------------------------------------------------------------------------
 * PCP (RFC 6887).
 */
#define PCP_VERSION		2
#define PCP_SERVER_PORT		5351
#define PCP_CLIENT_PORT		5350
#define PCP_HDR_LEN		24
#define PCP_MAP_BODY_LEN	36
#define PCP_PEER_BODY_LEN	56
#define PCP_R_BIT		0x80	/* in the opcode byte of responses */

enum pcp_opcode {
	PCP_OP_ANNOUNCE	= 0,
	PCP_OP_MAP	= 1,
	PCP_OP_PEER	= 2,
};

enum pcp_result {
	PCP_RES_SUCCESS			= 0,
	PCP_RES_UNSUPP_VERSION		= 1,
	PCP_RES_NOT_AUTHORIZED		= 2,
	PCP_RES_MALFORMED_REQUEST	= 3,
	PCP_RES_UNSUPP_OPCODE		= 4,
	PCP_RES_UNSUPP_OPTION		= 5,
	PCP_RES_MALFORMED_OPTION	= 6,
	PCP_RES_NETWORK_FAILURE		= 7,
	PCP_RES_NO_RESOURCES		= 8,
	PCP_RES_UNSUPP_PROTOCOL		= 9,
	PCP_RES_USER_EX_QUOTA		= 10,
	PCP_RES_CANNOT_PROVIDE_EXTERNAL	= 11,
	PCP_RES_ADDRESS_MISMATCH	= 12,
	PCP_RES_EXCESSIVE_REMOTE_PEERS	= 13,
};
#define PCP_RES_MAX		PCP_RES_EXCESSIVE_REMOTE_PEERS

/* RFC 6887 section 7: every message is a multiple of 4 bytes, at most
 * 1100. The opcode byte is R << 7 | opcode. */
#define PCP_MAX_LEN		1100
#define PCP_OPCODE_MASK		0x7f
#define PCP_NONCE_LEN		12	/* Mapping Nonce, 96 bits */
#define PCP_MAP_LEN		(PCP_HDR_LEN + PCP_MAP_BODY_LEN)	/* 60 */
#define PCP_OPT_HDR_LEN		4

/* Option codes (RFC 6887 section 13). Codes 0..127 must be understood by
 * the receiver (mandatory to process), 128..255 may be ignored. Option
 * data is Length bytes, then padding to a multiple of 4. */
enum pcp_option_code {
	PCP_OPT_THIRD_PARTY	= 1,	/* 16 bytes: internal address */
	PCP_OPT_PREFER_FAILURE	= 2,	/* no data */
	PCP_OPT_FILTER		= 3,	/* 20 bytes, see pcp_filter_opt */
};
#define PCP_OPT_OPTIONAL	0x80

/*
 * Request header (RFC 6887 section 7.1), 24 bytes:
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  |  Version = 2  |R|   Opcode    |         Reserved              |
 *  |                 Requested Lifetime (32 bits)                  |
 *  |            PCP Client's IP Address (128 bits)                 |
 *
 * IPv4 addresses travel IPv4-mapped (::ffff:a.b.c.d) in every 128-bit
 * address field. Lifetimes are in seconds.
 */
struct pcp_req_hdr {
	__u8	version;	/* PCP_VERSION */
	__u8	opcode;		/* R bit clear | opcode */
	__be16	reserved;
	__be32	lifetime;	/* requested, s; 0 deletes */
	__u8	client_addr[16];
};

/*
 * Response header (RFC 6887 section 7.2), 24 bytes:
 *
 *  |  Version = 2  |R|   Opcode    |   Reserved    |  Result Code  |
 *  |                      Lifetime (32 bits)                       |
 *  |                     Epoch Time (32 bits)                      |
 *  |                      Reserved (96 bits)                       |
 *
 * Lifetime: granted (SUCCESS) or how long the error is expected to last.
 * Epoch Time: seconds since the server's state began (section 8.5).
 */
struct pcp_resp_hdr {
	__u8	version;
	__u8	opcode;		/* PCP_R_BIT | opcode */
	__u8	reserved;
	__u8	result;		/* enum pcp_result */
	__be32	lifetime;
	__be32	epoch;
	__u8	reserved2[12];
};

/*
 * MAP opcode body (RFC 6887 section 11.1), the same in requests and
 * responses, 36 bytes:
 *
 *  |                 Mapping Nonce (96 bits)                       |
 *  |   Protocol    |          Reserved (24 bits)                   |
 *  |        Internal Port          |    Suggested External Port    |
 *  |           Suggested External IP Address (128 bits)            |
 *
 * In a response the last two are the assigned external port/address.
 * Protocol is an IANA protocol number (6 TCP, 17 UDP; 0 all protocols,
 * then Internal Port must be 0).
 */
struct pcp_map_body {
	__u8	nonce[PCP_NONCE_LEN];
	__u8	protocol;
	__u8	reserved[3];
	__be16	internal_port;
	__be16	external_port;
	__u8	external_addr[16];
};

/* PEER opcode body (RFC 6887 section 12.1), 56 bytes. */
struct pcp_peer_body {
	__u8	nonce[PCP_NONCE_LEN];
	__u8	protocol;
	__u8	reserved[3];
	__be16	internal_port;
	__be16	external_port;
	__u8	external_addr[16];
	__be16	remote_port;
	__be16	reserved2;
	__u8	remote_addr[16];
};

/* Option header (RFC 6887 section 7.3), 4 bytes. */
struct pcp_opt_hdr {
	__u8	code;		/* enum pcp_option_code */
	__u8	reserved;
	__be16	length;		/* data bytes, without header and padding */
};

/* FILTER option data (RFC 6887 section 13.3), 20 bytes. */
struct pcp_filter_opt {
	__u8	reserved;
	__u8	prefix_len;
	__be16	remote_port;
	__u8	remote_addr[16];
};

_Static_assert(sizeof(struct pcp_req_hdr) == PCP_HDR_LEN, "PCP request header");
_Static_assert(sizeof(struct pcp_resp_hdr) == PCP_HDR_LEN, "PCP response header");
_Static_assert(sizeof(struct pcp_map_body) == PCP_MAP_BODY_LEN, "PCP MAP body");
_Static_assert(sizeof(struct pcp_peer_body) == PCP_PEER_BODY_LEN, "PCP PEER body");
_Static_assert(sizeof(struct pcp_opt_hdr) == PCP_OPT_HDR_LEN, "PCP option header");
_Static_assert(sizeof(struct pcp_filter_opt) == 20, "PCP FILTER option");

/* ------------------------------------------------------------------------
 * ICMP / ICMPv6 (RFC 792, RFC 4443) as used by the responder.
 */
#define DSLITE_ICMP_ECHO_REPLY		0
#define DSLITE_ICMP_ECHO_REQUEST	8
#define DSLITE_ICMP6_PKT_TOO_BIG	2
#define DSLITE_ICMP6_ECHO_REQUEST	128
#define DSLITE_ICMP6_ECHO_REPLY		129
#define DSLITE_IPV6_MIN_MTU		1280

/* TTL / hop limit of the echo replies the AFTR builds (the Linux default
 * of net.ipv4.ip_default_ttl and net.ipv6.conf.*.hop_limit). */
#define DSLITE_REPLY_TTL		64

#endif /* _DSLITE_PROTO_H */
