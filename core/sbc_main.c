/* sbcemu: the network element. Parses the command line, opens the
 * configuration store, starts the ACLI listeners, and runs until SIGTERM or
 * SIGINT; `sbcemu console` attaches to a running element instead. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbc_cfg_doc.h"
#include "sbc_cfg_verify.h"
#include "sbc_cfg_xml.h"
#include "sbc_cfg_xsd.h"
#include "sbc_cli_server.h"
#include "sbc_core_store.h"
#include "sbc_log.h"
#include "sbc_malloc_tune.h"
#include "sbc_sip_core.h"

#ifndef SBC_DEFAULT_DATA_DIR
#define SBC_DEFAULT_DATA_DIR "/var/lib/sbcemu"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sbcemu [OPTION]...          run the network element\n"
		"       sbcemu console [--data-dir DIR]  attach to a running element's ACLI\n"
		"\n"
		"An emulator of an Oracle (Acme Packet) SBC acting as an IMS P-CSCF.\n"
		"\n"
		"Options:\n"
		"  -d, --data-dir DIR      saved/running configs, backups and keys live here\n"
		"                          (default " SBC_DEFAULT_DATA_DIR ", or $SBCEMU_DATA_DIR)\n"
		"  -c, --config FILE       boot from this XML file; once applied it becomes saved\n"
		"                          and running (a failed start keeps the previous ones)\n"
		"  -f, --foreground        stay in the foreground, log to stderr (default: detach\n"
		"                          and log to DATA_DIR/sbcemu.log)\n"
		"  -l, --log-level LEVEL   error, warn, info (default) or debug\n"
		"      --verify-config FILE  check FILE (XML, schema, verify-config rules) and exit;\n"
		"                          errors name FILE:LINE, the element and the attribute\n"
		"      --print-xsd         print the XML Schema of configuration files and exit\n"
		"      --print-reference   print the configuration reference (Markdown) and exit\n"
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n"
		"\n"
		"With no configuration in DATA_DIR and no --config, the built-in default is used.\n"
		"The ACLI listens on telnet 127.0.0.1:2323 and SSH 127.0.0.1:2222 by default\n"
		"(user password 'acme', enable password 'packet'; change them with 'secret').\n"
		"At start sbcemu re-executes itself once with GLIBC_TUNABLES\n"
		"glibc.malloc.tcache_count=200 (faster SIP handling); SBCEMU_MALLOC_TUNED=1 skips it.\n");
}

/* Print a generated document (the XSD, the reference) and free it. */
static int print_generated(char *text)
{
	if (!text)
		return 1;
	fputs(text, stdout);
	free(text);
	return 0;
}

/* Offline check of a file: without the data dir's key, encrypted secrets
 * cannot be read, so only plain files and files without secrets pass. Each
 * error names the file and line, and the element and attribute it is about. */
static int verify_file(const char *path, const char *data_dir)
{
	struct sbc_sec_secret_key key;
	bool have_key = sbc_sec_secret_key_read(data_dir, &key) == 0;
	struct sbc_cfg_error err;
	char *report = NULL;
	struct sbc_cfg *cfg = sbc_cfg_xml_load_file_verified(path, have_key ? &key : NULL,
							     &report, &err);
	if (have_key)
		sbc_sec_secret_key_wipe(&key);
	int rc = cfg ? 0 : 1;
	if (cfg)
		printf("%s: %s\n", path, SBC_CFG_VERIFY_OK);
	else if (report)
		fputs(report, stderr);
	else
		fprintf(stderr, "ERROR: %s\n", err.text);
	free(report);
	sbc_cfg_free(cfg);
	return rc;
}

static int detach(const char *data_dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/sbcemu.log", data_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		sbc_log_warn("cannot open %s", path);
		return -1;
	}
	if (daemon(1, 1) != 0) {
		close(fd);
		return -1;
	}
	dup2(fd, STDERR_FILENO);
	close(fd);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	return 0;
}

static int run(const char *data_dir, const char *boot_file, bool foreground)
{
	struct sbc_cfg_error err = { .text = "" };
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	/* Threads inherit the mask, so only sigwait below sees these. */
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sbc_core_store *store = sbc_core_store_open(data_dir, boot_file, &err);
	if (!store) {
		sbc_log_error("cannot start: %s", err.text);
		return 1;
	}
	if (!foreground && detach(data_dir) != 0) {
		sbc_core_store_close(store);
		return 1;
	}
	struct sbc_cli_server *cli = sbc_cli_server_start(store, &err);
	struct sbc_sip_core *sip = cli ? sbc_sip_core_start(store, &err) : NULL;
	if (!cli || !sip || sbc_core_apply_initial(store, &err) != 0) {
		/* A --config file is written to DATA_DIR only once applied. */
		if (boot_file)
			sbc_log_error("cannot start: %s (%s not applied: the configuration in %s "
				      "is unchanged)", err.text, boot_file, data_dir);
		else
			sbc_log_error("cannot start: %s", err.text);
		sbc_cli_server_stop(cli);
		sbc_sip_core_stop(sip);  /* after the ACLI, which can activate-config */
		sbc_core_store_close(store);
		return 1;
	}
	sbc_log_info("running configuration version %u from %s", sbc_core_running_version(store),
		     data_dir);
	sbc_log_info("ready");
	int sig = 0;
	sigwait(&stop, &sig);
	sbc_log_info("stopping on signal %d", sig);
	sbc_cli_server_stop(cli);
	sbc_sip_core_stop(sip);
	sbc_core_store_close(store);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_PRINT_XSD = 256, OPT_PRINT_REFERENCE, OPT_VERIFY };
	static const struct option options[] = {
		{ "data-dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "print-xsd", no_argument, NULL, OPT_PRINT_XSD },
		{ "print-reference", no_argument, NULL, OPT_PRINT_REFERENCE },
		{ "verify-config", required_argument, NULL, OPT_VERIFY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	sbc_malloc_tune(argv);
	const char *data_dir = getenv("SBCEMU_DATA_DIR");
	const char *boot_file = NULL, *verify = NULL;
	bool foreground = false;
	int opt, level;
	if (!data_dir || !*data_dir)
		data_dir = SBC_DEFAULT_DATA_DIR;
	while ((opt = getopt_long(argc, argv, "d:c:fl:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'd': data_dir = optarg; break;
		case 'c': boot_file = optarg; break;
		case 'f': foreground = true; break;
		case 'l':
			if ((level = sbc_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "sbcemu: unknown log level '%s'\n", optarg);
				return 2;
			}
			sbc_log_set_level(level);
			break;
		case OPT_PRINT_XSD: return print_generated(sbc_cfg_xsd_generate());
		case OPT_PRINT_REFERENCE: return print_generated(sbc_cfg_doc_reference());
		case OPT_VERIFY: verify = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sbcemu %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (verify)
		return verify_file(verify, data_dir);
	if (optind < argc && strcmp(argv[optind], "console") == 0)
		return sbc_cli_console_run(data_dir);
	if (optind < argc) {
		fprintf(stderr, "sbcemu: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return run(data_dir, boot_file, foreground);
}
