/* The command line of geobid-load. */
#include "../loadtest/options.h"
#include "../loadtest/target.h"

#include <check.h>
#include <string.h>

static int parse(struct options *options, struct error *err, const char *const *args)
{
    char *argv[32] = {"geobid-load"};
    int argc = 1;
    for (; args[argc - 1] != NULL; argc++)
        argv[argc] = (char *)args[argc - 1];
    return options_parse(argc, argv, options, err);
}

START_TEST(defaults_and_the_documented_options)
{
    struct options options;
    struct error err;
    const char *minimal[] = {"--url", "http://127.0.0.1:8080/openrtb2/bid", "--duration", "2", NULL};
    ck_assert_msg(parse(&options, &err, minimal) == 0, "%s", err.message);
    ck_assert_uint_eq(options.connections, 32);
    ck_assert_uint_eq(options.threads, 1);
    ck_assert(options.rate == 0);
    ck_assert_int_eq(options.format, WIRE_JSON);
    ck_assert_uint_eq(options.seed, 1);
    ck_assert(!options.json && !options.find_max);
    const char *full[] = {"--url", "http://[::1]:8080/bid", "--duration", "0.5", "--connections",
                          "64", "--rate", "25000", "--format", "protobuf", "--replay", "r.bin",
                          "--geoip", "city.mmdb", "--seed", "9", "--json", "--threads", "2",
                          "--find-max", "--slo-p99-ms", "1.5", NULL};
    ck_assert_msg(parse(&options, &err, full) == 0, "%s", err.message);
    ck_assert(options.duration_s == 0.5 && options.rate == 25000 && options.slo_p99_ms == 1.5);
    ck_assert_uint_eq(options.connections, 64);
    ck_assert_int_eq(options.format, WIRE_PROTOBUF);
    ck_assert_str_eq(options.replay, "r.bin");
    ck_assert_str_eq(options.geoip, "city.mmdb");
    ck_assert(options.json && options.find_max && options.seed == 9 && options.threads == 2);
}
END_TEST

static const char *const bad_command_lines[][10] = {
    {"--duration", "2", NULL},                                             /* no --url */
    {"--url", "http://h/", NULL},                                          /* no --duration */
    {"--url", "http://h/", "--duration", "0", NULL},
    {"--url", "http://h/", "--duration", "2", "--connections", "0", NULL},
    {"--url", "http://h/", "--duration", "2", "--connections", "2.5", NULL},
    {"--url", "http://h/", "--duration", "2", "--rate", "fast", NULL},
    {"--url", "http://h/", "--duration", "2", "--format", "xml", NULL},
    {"--url", "http://h/", "--duration", "2", "--find-max", NULL},          /* no SLO */
    {"--url", "http://h/", "--duration", "2", "--slo-p99-ms", "1", NULL},   /* no --find-max */
    {"--url", "http://h/", "--duration", "2", "--threads", "4", "--connections", "2", NULL},
    {"--url", "http://h/", "--duration", "2", "--bogus", NULL},
    {"--url", "http://h/", "--duration", "2", "extra", NULL},
};

START_TEST(bad_command_lines_are_refused)
{
    struct options options;
    struct error err;
    ck_assert_int_eq(parse(&options, &err, bad_command_lines[_i]), -1);
    ck_assert_uint_gt(strlen(err.message), 0);
}
END_TEST

START_TEST(urls_are_parsed_strictly)
{
    struct target target;
    struct error err;
    ck_assert_int_eq(target_parse("http://127.0.0.1:8080/openrtb2/bid", &target, &err), 0);
    ck_assert_str_eq(target.authority, "127.0.0.1:8080");
    ck_assert_str_eq(target.path, "/openrtb2/bid");
    ck_assert_int_eq(target_parse("http://127.0.0.1:9", &target, &err), 0);
    ck_assert_str_eq(target.path, "/");
    ck_assert_int_eq(target_parse("http://[::1]:8080/x?y=1", &target, &err), 0);
    ck_assert_str_eq(target.path, "/x?y=1");
    ck_assert_int_eq(target.addr.ss_family, AF_INET6);
    ck_assert_int_eq(target_parse("https://127.0.0.1/", &target, &err), -1);
    ck_assert_int_eq(target_parse("127.0.0.1:80/", &target, &err), -1);
    ck_assert_int_eq(target_parse("http://user@127.0.0.1/", &target, &err), -1);
    ck_assert_int_eq(target_parse("http://127.0.0.1:/", &target, &err), -1);
}
END_TEST

Suite *load_options_suite(void)
{
    Suite *suite = suite_create("load_options");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, defaults_and_the_documented_options);
    tcase_add_loop_test(tc, bad_command_lines_are_refused, 0,
                        (int)(sizeof(bad_command_lines) / sizeof(bad_command_lines[0])));
    tcase_add_test(tc, urls_are_parsed_strictly);
    suite_add_tcase(suite, tc);
    return suite;
}
