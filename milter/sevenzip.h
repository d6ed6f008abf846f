/*
 * sevenzip - our own reader of a 7z archive's headers: whether its
 * headers are encrypted (names hidden), and which members' data is.
 *
 * Why it exists: libarchive 3.6.2 fails a 7z archive with encrypted
 * headers (7z a -mhe=on) at the first header, without saying that the
 * names were hidden, and stops reading at the first encrypted member of
 * a mixed archive. The DLP reports "7z-aes-headers" for the first and
 * "7z-aes" per member for the second.
 *
 * What it reads: the signature header (its CRC and the next header's
 * place and CRC), then the next header. An encoded header (kEncodedHeader)
 * is only described here, not unpacked: when the coders of the folder
 * that holds it include 7zAES (06 F1 07 01), headers_encrypted is set;
 * otherwise it is compressed (header_packed): when one LZMA coder packed
 * it (what 7-Zip writes), where its bytes are and how to unpack them is
 * returned, and the caller, who has a decompressor, hands the unpacked
 * header to sevenzip_read_header(). A plain header (kHeader) is read in
 * full: folders and their coders (a folder is encrypted when one of its
 * coders is 7zAES), the unpack streams of each folder, and the files
 * (names in UTF-16LE, empty streams, directories), each file mapped to
 * its folder so that its encryption is known, and the memory its coders
 * declare (LZMA/LZMA2 dictionaries, PPMd models), which decoders
 * allocate before reading a byte.
 *
 * What it does not do: decompress or decrypt; read "external" header
 * data (damage) or use additional streams (parsed, then ignored); check
 * data CRCs. Every count and
 * size is checked against the bytes left in the header, so a header that
 * claims a million folders in ten bytes is damage, not an allocation.
 *
 * Limits: at most max_entries files (truncated beyond); names cut at
 * SEVENZIP_NAME_MAX bytes of UTF-8; at most SEVENZIP_MAX_CODERS coders
 * per folder (7-Zip's own limit is 64).
 *
 * Thread-safety: no state between calls.
 */
#ifndef DLP_SEVENZIP_H
#define DLP_SEVENZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEVENZIP_OK	0
#define SEVENZIP_EINPUT (-1) /* no 7z signature */
#define SEVENZIP_ENOMEM (-2)

#define SEVENZIP_NAME_MAX   1024
#define SEVENZIP_MAX_CODERS 64

struct sevenzip_file {
	char *name;    /* UTF-8, NUL-terminated, never NULL */
	uint64_t size; /* unpacked size; 0 for empty files and dirs */
	bool dir;
	bool has_stream; /* has data (not an empty file or a directory) */
	bool encrypted;	 /* its folder's coders include 7zAES */
};

struct sevenzip {
	bool headers_encrypted; /* the header itself is 7zAES: names hidden */
	bool header_packed;	/* compressed header: see hdr_* below */
	bool data_encrypted;	/* a folder of the listed archive is 7zAES */
	bool cut;		/* the next header lies past the data */
	bool damaged;		/* CRC mismatch or a header that did not fit */
	bool truncated;		/* more than max_entries files */
	bool listed;		/* the files below are the archive's */
	/* header_packed by one LZMA coder: props, packed bytes, size */
	bool hdr_lzma;
	unsigned char hdr_props[5];
	uint64_t hdr_off;    /* offset of the packed header in the data */
	uint64_t hdr_packed; /* its packed size (inside the data) */
	uint64_t hdr_size;   /* its unpacked size */
	size_t n_folders, n_encrypted_folders;
	/* the most memory a folder's coders declare they need: LZMA and
	   LZMA2 dictionaries, PPMd models (decoders allocate it at once) */
	uint64_t max_memory;
	struct sevenzip_file *files; /* in archive order */
	size_t n;
};

/*
 * sevenzip_read: read the headers of the 7z archive in data (len bytes).
 * On SEVENZIP_OK *out is a new struct sevenzip, freed with
 * sevenzip_free(); damage is reported in its flags. Returns
 * SEVENZIP_EINPUT when data does not start with the 7z signature,
 * SEVENZIP_ENOMEM when memory ran out (*out NULL then).
 */
int sevenzip_read(
    const void *data, size_t len, size_t max_entries, struct sevenzip **out);

/*
 * sevenzip_read_header: read an unpacked header (hdr, len bytes: what
 * the packed header of sz unpacked to) into sz, as for a plain header.
 * Returns SEVENZIP_OK (damage in sz's flags; listed set when the files
 * were read), SEVENZIP_EINPUT when sz already lists files, or
 * SEVENZIP_ENOMEM.
 */
int sevenzip_read_header(
    struct sevenzip *sz, const void *hdr, size_t len, size_t max_entries);

/*
 * sevenzip_lzma2_dict: the dictionary size an LZMA2 property byte
 * declares (as in 7z coders and xz filters); UINT64_MAX when invalid.
 */
uint64_t sevenzip_lzma2_dict(unsigned char prop);

/* sevenzip_free: release (names wiped first); NULL is a no-op. */
void sevenzip_free(struct sevenzip *sz);

#endif
