/* The privacy stage: consent signals → permissions, and the request stripped of what
 * they do not allow. See include/geobid/privacy.h for the rules. */
#include "geobid/privacy.h"

#include "geobid/gpp.h"
#include "geobid/tcf.h"

#include <arpa/inet.h>
#include <math.h>
#include <string.h>

/* TCF purposes and special feature geobid asks about. */
enum {
    PURPOSE_STORE_ON_DEVICE = 1,       /* store and/or access information on a device */
    PURPOSE_PERSONALISED_PROFILE = 3,  /* create profiles for personalised advertising */
    PURPOSE_PERSONALISED_ADS = 4,      /* use profiles to select personalised advertising */
    SPECIAL_FEATURE_PRECISE_GEO = 1,
};

/* ---- US Privacy ---------------------------------------------------------------------- */

static bool us_privacy_flag(char c)
{
    return c == 'Y' || c == 'y' || c == 'N' || c == 'n' || c == '-';
}

/* True when the US Privacy string ("1YYN": version 1, notice given, opted out of sale,
 * LSPA covered) says the person opted out of sale, or cannot be read. Empty: false. */
static bool us_privacy_opted_out(struct slice text)
{
    if (text.len == 0)
        return false;
    if (text.len != 4 || text.ptr[0] != '1' || !us_privacy_flag(text.ptr[1]) ||
        !us_privacy_flag(text.ptr[2]) || !us_privacy_flag(text.ptr[3]))
        return true;
    return text.ptr[2] == 'Y' || text.ptr[2] == 'y';
}

/* ---- GPP ----------------------------------------------------------------------------- */

/* True when regs.gpp_sid names section_id. */
static bool gpp_sid_lists(const struct regs *regs, unsigned section_id)
{
    for (size_t i = 0; i < regs->gpp_sid_count; i++)
        if (regs->gpp_sid[i] >= 0 && (unsigned)regs->gpp_sid[i] == section_id)
            return true;
    return false;
}

/* A section applies when regs.gpp_sid lists it, or lists nothing. */
static bool gpp_section_applies(const struct regs *regs, unsigned section_id)
{
    return regs->gpp_sid_count == 0 || gpp_sid_lists(regs, section_id);
}

/* True when one applicable US section of gpp says opt-out (or cannot be read). */
static bool gpp_us_opted_out(const struct regs *regs, const struct gpp_string *gpp)
{
    for (size_t i = 0; i < gpp->section_count; i++) {
        unsigned id = gpp->section_ids[i];
        if (!gpp_section_applies(regs, id))
            continue;
        if (id == GPP_SECTION_US_PRIVACY) {
            if (us_privacy_opted_out(gpp->sections[i]))
                return true;
            continue;
        }
        enum gpp_us_choice choice = gpp_us_choice(id, gpp->sections[i]);
        if (choice == GPP_US_OPTED_OUT || choice == GPP_US_UNREADABLE)
            return true;
    }
    return false;
}

/* The request's GPP string, parsed. */
struct gpp_signal {
    bool present;   /* regs.gpp is not empty */
    bool readable;  /* and it parsed into `gpp` */
    struct gpp_string gpp;
};

static void gpp_signal_read(const struct regs *regs, struct gpp_signal *out)
{
    out->present = regs->gpp.len > 0;
    out->readable = out->present && gpp_parse(regs->gpp, &out->gpp) == GPP_OK;
}

static bool us_opted_out(const struct regs *regs, const struct gpp_signal *gpp)
{
    if (us_privacy_opted_out(regs->us_privacy))
        return true;
    /* a GPP string that does not parse may hold an opt-out: assume it does */
    return gpp->present && (!gpp->readable || gpp_us_opted_out(regs, &gpp->gpp));
}

/* ---- GDPR / TCF ---------------------------------------------------------------------- */

static bool gdpr_applies(const struct privacy_policy *policy, const struct regs *regs)
{
    if (regs->gdpr >= 0)
        return regs->gdpr == 1;
    return policy->gdpr_default || gpp_sid_lists(regs, GPP_SECTION_TCF_EU_V2);
}

/* The TCF string: user.consent, else the GPP string's TCF EU section when it applies. */
static struct slice tcf_string(const struct bid_request *request, const struct gpp_signal *gpp)
{
    if (request->user.consent.len > 0)
        return request->user.consent;
    if (gpp->readable && gpp_section_applies(&request->regs, GPP_SECTION_TCF_EU_V2))
        return gpp_section(&gpp->gpp, GPP_SECTION_TCF_EU_V2);
    return request->user.consent; /* empty: no consent */
}

/* Consent for purpose, not taken from our vendor (the one consent was decoded for) by a
 * publisher restriction: "not allowed", or "legitimate interest required" (purposes 1, 3
 * and 4 admit consent only). */
static bool purpose_allowed(const struct tcf_consent *consent, unsigned purpose)
{
    return tcf_purpose_consent(consent, purpose) &&
           !tcf_publisher_restricts(consent, purpose, TCF_RESTRICTION_NOT_ALLOWED) &&
           !tcf_publisher_restricts(consent, purpose, TCF_RESTRICTION_REQUIRE_LEGITIMATE_INTEREST);
}

/* What the TCF string allows our vendor. */
static struct permissions tcf_permissions(const struct privacy_policy *policy,
                                          struct slice text)
{
    struct permissions none = {0};
    struct tcf_consent consent;
    uint16_t vendor = policy->vendor_id;
    if (vendor == 0 || tcf_decode(text, vendor, &consent) != TCF_OK)
        return none;
    bool vendor_consent = tcf_vendor_consent(&consent, vendor);
    return (struct permissions){
        .personalize = vendor_consent &&
                       purpose_allowed(&consent, PURPOSE_PERSONALISED_PROFILE) &&
                       purpose_allowed(&consent, PURPOSE_PERSONALISED_ADS),
        .store_ids = vendor_consent && purpose_allowed(&consent, PURPOSE_STORE_ON_DEVICE),
        .precise_geo = tcf_special_feature(&consent, SPECIAL_FEATURE_PRECISE_GEO),
    };
}

/* ---- permissions --------------------------------------------------------------------- */

static bool tracking_limited(const struct device *device)
{
    return device->lmt == 1 || device->dnt == 1;
}

struct permissions privacy_permissions(const struct privacy_policy *policy,
                                       const struct bid_request *request)
{
    const struct regs *regs = &request->regs;
    struct gpp_signal gpp;
    gpp_signal_read(regs, &gpp);
    struct permissions allowed = {.personalize = true, .store_ids = true, .precise_geo = true};
    if (gdpr_applies(policy, regs))
        allowed = tcf_permissions(policy, tcf_string(request, &gpp));
    if (us_opted_out(regs, &gpp) || tracking_limited(&request->device))
        allowed.personalize = allowed.store_ids = false;
    if (regs->coppa == 1)
        allowed.personalize = allowed.store_ids = allowed.precise_geo = false;
    allowed.contextual_only = !allowed.personalize && !allowed.store_ids && !allowed.precise_geo;
    return allowed;
}

/* ---- what the stage removes ---------------------------------------------------------- */

static void forget_ids(struct bid_request *request)
{
    request->user.id = (struct slice){NULL, 0};
    request->user.buyeruid = (struct slice){NULL, 0};
    request->device.ifa = (struct slice){NULL, 0};
}

static void forget_user_data(struct user *user)
{
    user->data = NULL;
    user->data_count = 0;
    user->yob = -1;
    user->gender = (struct slice){NULL, 0};
    user->keywords = (struct slice){NULL, 0};
}

/* Rounds to 2 decimals: 0.01° is about 1.1 km. */
static double round_coarse(double degrees)
{
    return round(degrees * 100) / 100;
}

static void coarsen_geo(struct openrtb_geo *geo)
{
    if (!geo->has_point)
        return;
    geo->lat = round_coarse(geo->lat);
    geo->lon = round_coarse(geo->lon);
    if (geo->accuracy_m < PRIVACY_COARSE_UNCERTAINTY_M)
        geo->accuracy_m = PRIVACY_COARSE_UNCERTAINTY_M;
}

/* Returns ip with only its network part kept (IPv4 /24, IPv6 /48), as text in arena; an
 * empty slice when ip is not an address (what cannot be masked is dropped). */
static struct slice mask_ip(struct slice ip, struct arena *arena)
{
    char text[INET6_ADDRSTRLEN];
    unsigned char addr[16];
    struct slice none = {NULL, 0};
    if (ip.len == 0 || ip.len >= sizeof(text))
        return none;
    memcpy(text, ip.ptr, ip.len);
    text[ip.len] = '\0';
    int family = strchr(text, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, text, addr) != 1)
        return none;
    if (family == AF_INET)
        addr[3] = 0;
    else
        memset(addr + 6, 0, 10);
    char *masked = arena_alloc(arena, INET6_ADDRSTRLEN);
    inet_ntop(family, addr, masked, INET6_ADDRSTRLEN);
    return slice_from_cstr(masked);
}

struct permissions privacy_apply(const struct privacy_policy *policy,
                                 struct bid_request *request, struct arena *arena)
{
    struct permissions allowed = privacy_permissions(policy, request);
    if (!allowed.store_ids)
        forget_ids(request);
    if (!allowed.personalize)
        forget_user_data(&request->user);
    if (!allowed.precise_geo) {
        coarsen_geo(&request->device.geo);
        coarsen_geo(&request->user.geo);
    }
    if (!allowed.precise_geo || tracking_limited(&request->device)) {
        request->device.ip = mask_ip(request->device.ip, arena);
        request->device.ipv6 = mask_ip(request->device.ipv6, arena);
    }
    return allowed;
}
