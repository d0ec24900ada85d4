// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "read_file.h"
#include "vec.h"

struct ks_error *ks_read_file(const char *path, size_t first, size_t max, char **text_ret,
			      size_t *len_ret)
{
	struct ks_error *err = NULL;
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*text_ret = NULL;
	*len_ret = 0;
	if (fd < 0)
		return ks_error_format(errno, "%s: %s", path, strerror(errno));
	for (;;) {
		ssize_t r;

		/* room for one more byte and the NUL: doubled when full */
		if (!ks_vec_grow(&buf, &cap, len + 2, 1, first ? first : 4096)) {
			err = &ks_error_nomem;
			break;
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ks_error_format(errno, "reading %s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (max && len > max) {
			err = ks_error_format(EFBIG, "%s: more than %zu bytes", path, max);
			break;
		}
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*text_ret = buf;
	*len_ret = len;
	return NULL;
}
