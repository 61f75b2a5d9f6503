#include "geobid/config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum config_action load(struct config *config, struct error *err, char **argv)
{
    int argc = 0;
    while (argv[argc] != NULL)
        argc++;
    return config_load(config, argc, argv, err);
}

START_TEST(defaults_apply)
{
    struct config config;
    struct error err;
    char *argv[] = {"geobid", NULL};
    ck_assert_int_eq(load(&config, &err, argv), CONFIG_RUN);
    ck_assert_str_eq(config.listen, "0.0.0.0:8080");
    ck_assert_str_eq(config.admin_listen, "127.0.0.1:8081");
    ck_assert_int_eq(config.max_body_bytes, 65536);
    ck_assert_ptr_null(config.campaigns);
    ck_assert_uint_eq(config.geoip_count, 0);
    config_free(&config);
}
END_TEST

START_TEST(command_line_sets_every_kind)
{
    struct config config;
    struct error err;
    char *argv[] = {"geobid", "--listen", "127.0.0.1:9", "--geoip", "a.mmdb", "--geoip=b.mmdb",
                    "--threads", "3", "--check", NULL};
    ck_assert_int_eq(load(&config, &err, argv), CONFIG_CHECK);
    ck_assert_str_eq(config.listen, "127.0.0.1:9");
    ck_assert_uint_eq(config.geoip_count, 2);
    ck_assert_str_eq(config.geoip[1], "b.mmdb");
    ck_assert_int_eq(config.threads, 3);
    struct server_config server;
    config_server(&config, &server);
    ck_assert_int_eq(server.threads, 3);
    config_free(&config);
}
END_TEST

static const struct {
    const char *args[4];
    const char *message;
} bad_arguments[] = {
    {{"--threads", "x"}, "--threads: expected an integer in [0, 256], got \"x\""},
    {{"--threads", "1000"}, "--threads: expected an integer in [0, 256], got \"1000\""},
    {{"--bogus"}, "--bogus: unknown option or missing value (see --help)"},
    {{"stray"}, "stray: unexpected argument (see --help)"},
    {{"--config", "/nonexistent/geobid.conf"}, "/nonexistent/geobid.conf: No such file or directory"},
};

START_TEST(bad_arguments_are_named)
{
    char *argv[6] = {"geobid"};
    for (int i = 0; i < 4 && bad_arguments[_i].args[i] != NULL; i++)
        argv[i + 1] = (char *)bad_arguments[_i].args[i];
    struct config config;
    struct error err;
    ck_assert_int_eq(load(&config, &err, argv), CONFIG_ERROR);
    ck_assert_str_eq(err.message, bad_arguments[_i].message);
    config_free(&config);
}
END_TEST

START_TEST(config_file_uses_the_same_names_and_the_command_line_wins)
{
    char path[] = "/tmp/geobid-config-XXXXXX";
    int fd = mkstemp(path);
    FILE *file = fdopen(fd, "w");
    fputs("# comment\nlisten = 127.0.0.1:7000\n  threads=2 \ncampaigns = x.json\n", file);
    fclose(file);
    struct config config;
    struct error err;
    char *argv[] = {"geobid", "--config", path, "--threads", "4", NULL};
    ck_assert_int_eq(load(&config, &err, argv), CONFIG_RUN);
    ck_assert_str_eq(config.listen, "127.0.0.1:7000");
    ck_assert_str_eq(config.campaigns, "x.json");
    ck_assert_int_eq(config.threads, 4);
    config_free(&config);

    file = fopen(path, "w");
    fputs("listen = 127.0.0.1:7000\nlisten_port = 3\n", file);
    fclose(file);
    ck_assert_int_eq(load(&config, &err, argv), CONFIG_ERROR);
    char expected[128];
    snprintf(expected, sizeof(expected), "%s:2: unknown setting \"listen_port\"", path);
    ck_assert_str_eq(err.message, expected);
    config_free(&config);
    unlink(path);
}
END_TEST

START_TEST(addresses_parse)
{
    struct sockaddr_storage addr;
    socklen_t len;
    struct error err;
    ck_assert_int_eq(server_parse_address("127.0.0.1:8080", &addr, &len, &err), 0);
    ck_assert_int_eq(addr.ss_family, AF_INET);
    ck_assert_int_eq(server_parse_address("[::1]:8080", &addr, &len, &err), 0);
    ck_assert_int_eq(addr.ss_family, AF_INET6);
    ck_assert_int_eq(server_parse_address("8080", &addr, &len, &err), -1);
    ck_assert_str_eq(err.message, "8080: expected HOST:PORT");
    ck_assert_int_eq(server_parse_address("127.0.0.1:http", &addr, &len, &err), -1);
}
END_TEST

START_TEST(admin_api_off_loopback_needs_a_token)
{
    struct config config;
    struct error err;
    unsetenv("GEOBID_ADMIN_TOKEN");
    char *open_argv[] = {"geobid", "--admin-listen", "0.0.0.0:8081", NULL};
    ck_assert_int_eq(load(&config, &err, open_argv), CONFIG_ERROR);
    ck_assert_str_eq(err.message, "--admin-listen 0.0.0.0:8081: not a loopback address, so the "
                                  "admin API needs --admin-token or GEOBID_ADMIN_TOKEN");
    config_free(&config);

    char *loopback_argv[] = {"geobid", "--admin-listen", "[::1]:8081", NULL};
    ck_assert_int_eq(load(&config, &err, loopback_argv), CONFIG_RUN);
    ck_assert_ptr_null(config.admin_token);
    config_free(&config);

    char *token_argv[] = {"geobid", "--admin-listen", "0.0.0.0:8081", "--admin-token", "t1", NULL};
    ck_assert_int_eq(load(&config, &err, token_argv), CONFIG_RUN);
    ck_assert_str_eq(config.admin_token, "t1");
    struct server_config server;
    config_server(&config, &server);
    ck_assert_str_eq(server.admin_token, "t1");
    config_free(&config);
}
END_TEST

START_TEST(admin_token_comes_from_the_environment_unless_given)
{
    struct config config;
    struct error err;
    setenv("GEOBID_ADMIN_TOKEN", "from-env", 1);
    char *argv[] = {"geobid", "--admin-listen", "0.0.0.0:8081", NULL};
    ck_assert_int_eq(load(&config, &err, argv), CONFIG_RUN);
    ck_assert_str_eq(config.admin_token, "from-env");
    config_free(&config);
    char *given_argv[] = {"geobid", "--admin-token", "given", NULL};
    ck_assert_int_eq(load(&config, &err, given_argv), CONFIG_RUN);
    ck_assert_str_eq(config.admin_token, "given");
    config_free(&config);
    unsetenv("GEOBID_ADMIN_TOKEN");
}
END_TEST

Suite *config_suite(void)
{
    Suite *suite = suite_create("config");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, defaults_apply);
    tcase_add_test(tc, command_line_sets_every_kind);
    tcase_add_loop_test(tc, bad_arguments_are_named, 0,
                        (int)(sizeof(bad_arguments) / sizeof(bad_arguments[0])));
    tcase_add_test(tc, config_file_uses_the_same_names_and_the_command_line_wins);
    tcase_add_test(tc, addresses_parse);
    tcase_add_test(tc, admin_api_off_loopback_needs_a_token);
    tcase_add_test(tc, admin_token_comes_from_the_environment_unless_given);
    suite_add_tcase(suite, tc);
    return suite;
}
