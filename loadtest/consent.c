#include "consent.h"

#include <string.h>

struct bit_writer {
    uint8_t bytes[64];
    size_t bits;
};

static void put_bits(struct bit_writer *writer, uint64_t value, int count)
{
    for (int i = count - 1; i >= 0; i--, writer->bits++)
        if ((value >> i) & 1)
            writer->bytes[writer->bits / 8] |= (uint8_t)(0x80 >> (writer->bits % 8));
}

/* Two letters as 6-bit numbers, a = 0. */
static void put_letters(struct bit_writer *writer, const char *letters)
{
    for (int i = 0; i < 2; i++) {
        char c = letters[i];
        put_bits(writer, (uint64_t)((c >= 'a' ? c - 'a' : c - 'A') & 63), 6);
    }
}

/* A vendor section: one range 1..max_vendor_id (range encoding), or nobody. */
static void put_vendor_range(struct bit_writer *writer, uint16_t max_vendor_id)
{
    put_bits(writer, max_vendor_id, 16);
    if (max_vendor_id == 0) {
        put_bits(writer, 0, 1); /* bit field of zero length */
        return;
    }
    put_bits(writer, 1, 1);   /* IsRangeEncoding */
    put_bits(writer, 1, 12);  /* NumEntries */
    put_bits(writer, 1, 1);   /* IsARange */
    put_bits(writer, 1, 16);
    put_bits(writer, max_vendor_id, 16);
}

static size_t base64url(const uint8_t *bytes, size_t bits, char *out, size_t size)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t chars = (bits + 5) / 6;
    if (chars + 1 > size)
        return 0;
    for (size_t i = 0; i < chars; i++) {
        size_t bit = i * 6;
        unsigned value = 0;
        for (int j = 0; j < 6; j++, bit++)
            value = value << 1 | ((bytes[bit / 8] >> (7 - bit % 8)) & 1);
        out[i] = alphabet[value];
    }
    out[chars] = '\0';
    return chars;
}

/* Purposes a vendor may rely on legitimate interest for since TCF 2.2 (not 3 to 6). */
static const uint32_t legitimate_interest = TCF_PURPOSE(2) | TCF_PURPOSE(7) | TCF_PURPOSE(8) |
                                            TCF_PURPOSE(9) | TCF_PURPOSE(10);

size_t tcf_encode(const struct tcf_choice *choice, char *out, size_t size)
{
    struct bit_writer writer;
    memset(&writer, 0, sizeof(writer));
    put_bits(&writer, 2, 6);                       /* Version */
    put_bits(&writer, choice->created_ds, 36);     /* Created */
    put_bits(&writer, choice->created_ds, 36);     /* LastUpdated */
    put_bits(&writer, 10, 12);                     /* CmpId */
    put_bits(&writer, 3, 12);                      /* CmpVersion */
    put_bits(&writer, 1, 6);                       /* ConsentScreen */
    put_letters(&writer, choice->language);
    put_bits(&writer, 215, 12);                    /* VendorListVersion */
    put_bits(&writer, 4, 6);                       /* TcfPolicyVersion (TCF 2.2) */
    put_bits(&writer, 0, 1);                       /* IsServiceSpecific */
    put_bits(&writer, 0, 1);                       /* UseNonStandardTexts */
    put_bits(&writer, choice->precise_geo ? 0x800 : 0, 12);
    put_bits(&writer, choice->purposes & 0xFFFFFF, 24);
    put_bits(&writer, legitimate_interest, 24);
    put_bits(&writer, 0, 1);                       /* PurposeOneTreatment */
    put_letters(&writer, choice->publisher_cc);
    put_vendor_range(&writer, choice->max_vendor_id);
    put_vendor_range(&writer, choice->max_vendor_id);
    put_bits(&writer, 0, 12);                      /* NumPubRestrictions */
    return base64url(writer.bytes, writer.bits, out, size);
}
