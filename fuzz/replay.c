/* Replays fuzz inputs without libFuzzer: every file named on the command line goes
 * through LLVMFuzzerTestOneInput once. `make test` runs it on the committed corpus, so
 * every seed (and every crash once fixed and added) stays a regression test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the whole file into a malloc'ed buffer of exactly its size (so a sanitizer
 * flags any read past the end, as libFuzzer's own buffers do). Returns NULL on error. */
static uint8_t *read_input(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    uint8_t *data = NULL;
    long length = -1;
    if (fseek(file, 0, SEEK_END) == 0 && (length = ftell(file)) >= 0 &&
        fseek(file, 0, SEEK_SET) == 0) {
        data = malloc(length > 0 ? (size_t)length : 1);
        if (data != NULL && fread(data, 1, (size_t)length, file) != (size_t)length) {
            free(data);
            data = NULL;
        }
    }
    fclose(file);
    *size = (size_t)length;
    return data;
}

int main(int argc, char **argv)
{
    int replayed = 0;
    for (int i = 1; i < argc; i++) {
        size_t size;
        uint8_t *data = read_input(argv[i], &size);
        if (data == NULL) {
            fprintf(stderr, "replay: cannot read %s\n", argv[i]);
            return EXIT_FAILURE;
        }
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        replayed++;
    }
    printf("replayed %d inputs\n", replayed);
    return EXIT_SUCCESS;
}
