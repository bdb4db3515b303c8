/* The SSH host key of the element: DATA_DIR/ssh_host_ed25519_key, generated
 * at first start and loaded on every start after. */
#include "sbc_cli_ssh_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sbc_log.h"

/* libssh's ssh_pki_export_privkey_file creates the file with the umask's
 * mode; writing it ourselves with O_EXCL and 0600 means the private key is
 * never readable by others, not even for a moment. */
static int generate(const char *path, struct sbc_cfg_error *err)
{
	ssh_key key = NULL;
	char *b64 = NULL;
	int fd = -1, rc = -1;
	size_t len;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) != SSH_OK) {
		sbc_cfg_errorf(err, "ERROR: cannot generate the SSH host key");
		goto fail;
	}
	len = strlen(b64);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, b64, len) != (ssize_t)len || fsync(fd) < 0) {
		sbc_cfg_errorf(err, "ERROR: cannot write the SSH host key %s: %s", path,
			       strerror(errno));
		if (fd >= 0)
			unlink(path);
		goto fail;
	}
	sbc_log_info("generated SSH host key %s", path);
	rc = 0;
fail:
	if (fd >= 0)
		close(fd);
	if (b64 != NULL) {
		explicit_bzero(b64, strlen(b64));
		ssh_string_free_char(b64);
	}
	ssh_key_free(key);
	return rc;
}

ssh_key sbc_cli_ssh_host_key(const char *data_dir, struct sbc_cfg_error *err)
{
	char path[4096];
	ssh_key key = NULL;

	snprintf(path, sizeof(path), "%s/ssh_host_ed25519_key", data_dir);
	if (access(path, F_OK) != 0 && generate(path, err) < 0)
		return NULL;
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
		sbc_cfg_errorf(err, "ERROR: cannot load the SSH host key %s", path);
		return NULL;
	}
	return key;
}
