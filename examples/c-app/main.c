/* Compresses a message with zlib and prints the library's version and
   the sizes: it needs libz.so.1 from the image, nothing else. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(void) {
	const char *msg = "distroless distroless distroless distroless distroless";
	unsigned char out[256];
	uLongf n = sizeof out;
	if (compress(out, &n, (const unsigned char *)msg, strlen(msg)) != Z_OK) {
		fprintf(stderr, "compress failed\n");
		return 1;
	}
	printf("zlib %s: %zu bytes -> %lu bytes\n", zlibVersion(), strlen(msg), (unsigned long)n);
	return 0;
}
