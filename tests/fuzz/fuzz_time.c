/* fuzz_time.c — date parsing and formatting on arbitrary text (stdlib/std_time.c): ISO-8601
 * arguments, Java-style patterns for parseDateTime/formatDateTime, and [%tokens%]. Input: a
 * first byte choosing the zone and the operation, then pattern 0xFF text. Nothing may crash,
 * hang or leak; a successful format of a parsed value must parse again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "std_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const zones[] = {"UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kathmandu",
                                    "Australia/Lord_Howe"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 512) return 0;
    uint8_t sel = data[0];
    char buf[520];
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *pattern = buf, *text = buf;
    char *sep = memchr(buf, 0xFF, size - 1);
    if (sep) {
        *sep = '\0';
        text = sep + 1;
    }
    char err[256];
    nf_std_time *t =
        nf_std_time_open(zones[sel % 5], (sel & 8) ? "nl_NL" : "en_US", err, sizeof err);
    if (!t) abort(); /* every zone above exists */
    bool utc = (sel & 16) != 0;
    int64_t ms = 0;
    char iso[64];
    if (nf_std_time_parse_iso(t, text, &ms) == NF_STD_TIME_OK) {
        nf_std_time_format_iso(ms, iso, sizeof iso);
        int64_t again;
        if (nf_std_time_parse_iso(t, iso, &again) != NF_STD_TIME_OK || again != ms) abort();
    }
    if (nf_std_time_parse(t, utc, pattern, text, &ms) == NF_STD_TIME_OK) {
        char *out = NULL;
        if (nf_std_time_format(t, utc, NF_STD_FMT_DATETIME, pattern, ms, &out) == NF_STD_TIME_OK)
            free(out);
        char s[96];
        nf_std_time_to_string(t, ms, s, sizeof s);
    }
    int64_t probe = (int64_t)(sel * 86400000LL * 1234567 % 4102444800000LL);
    char *out = NULL;
    if (nf_std_time_format(t, utc, (nf_std_time_fmt)(sel % 3), pattern, probe, &out) ==
        NF_STD_TIME_OK)
        free(out);
    nf_std_time_token(t, text, probe, &ms);
    int64_t r;
    nf_std_time_add(t, utc, (nf_std_time_unit)(sel % 9), (int64_t)(int8_t)data[size - 1] * 1000,
                    probe, &r);
    nf_std_time_close(t);
    return 0;
}
