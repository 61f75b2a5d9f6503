/* `geobid import-segments`: records a segment upload from a file, as the admin API's
 * POST /v1/segments/{segment}/members does, without a running bidder (docs/segments.md). */
#ifndef GEOBID_IMPORT_COMMAND_H
#define GEOBID_IMPORT_COMMAND_H

/* Runs `geobid import-segments [OPTION]... SEGMENT FILE` (argv[1] is "import-segments").
 * The options are the bidder's (--data-dir is required; --profile-ttl-days,
 * --profile-map-mb and --config count); FILE is JSON lines when named *.jsonl or
 * *.ndjson, else CSV, and may be a pipe (/dev/stdin), read to its end. Prints what was recorded to stdout, or the error (with the line
 * number for a malformed line) to stderr. Returns the exit status: 0, or 1 on any
 * error, in which case nothing was recorded. */
int import_command_main(int argc, char **argv);

#endif
