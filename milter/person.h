/*
 * person - the person_record detector: people's names next to their
 * addresses, counted as distinct records, for rosters (名簿) in CSV, TSV
 * (spreadsheet rows), tables in a mail, 氏名:/住所: blocks and lists.
 * See person.c for how a record is found and how its confidence comes.
 */
#ifndef DLP_PERSON_H
#define DLP_PERSON_H

#include "detector.h"

extern const struct detector_ops person_record_ops;

#endif
