/*
 * fuzz_ole - OLE compound files (extract_ole.c, ole_doc.c,
 * ole_xls.c) through libgsf: Word's FIB and piece table, Excel BIFF5/8
 * records and FILEPASS, PowerPoint text atoms, Outlook .msg properties
 * and attachments, summary information, encrypted OOXML
 * (EncryptionInfo; officecrypt.c tries Excel's default password).
 * The input is handed to extract_ole() as the content of a node (as
 * extract_node() does once the type is known); members it finds are
 * identified (libmagic, our signatures) and extracted in turn through
 * the real dispatch, so nested formats are reached too. The sink is
 * fuzz_common.h's: text through the charset and HTML code, nodes
 * counted. Limits: fz_limits().
 */
#include "fuzz_common.h"

static struct fz_sink sink;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_sink_setup(&sink);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_extract(&sink, extract_ole, data, size);
	return 0;
}
