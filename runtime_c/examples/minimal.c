/* The smallest complete Ember app: load a program, run it on zeros, print output 0.
 *   cc minimal.c $(pkg-config --cflags --libs ember) -o minimal && ./minimal model.ember */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include "ember.h"

int main(int argc, char **argv) {
    static ember_program_storage prog_mem;
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f) return 2;
    fseek(f, 0, SEEK_END); long size = ftell(f); rewind(f);
    void *file, *mem, *input;
    if (posix_memalign(&file, 64, (size_t)size) || fread(file, 1, (size_t)size, f) != (size_t)size) return 2;
    ember_program *prog;
    if (ember_program_load(&prog_mem, sizeof prog_mem, file, (size_t)size, &prog) != EMBER_OK) {
        fprintf(stderr, "load: %s\n", ember_program_message(prog)); return 1;
    }
    size_t need;
    ember_method *m;
    if (ember_method_memory_size(prog, "forward", &need) != EMBER_OK || posix_memalign(&mem, 64, need) ||
        ember_method_init(prog, "forward", mem, need, &m) != EMBER_OK) {
        fprintf(stderr, "init: %s\n", ember_method_message(m)); return 1;
    }
    ember_tensor_info in, out;
    if (ember_method_input_info(m, 0, &in) != EMBER_OK || !(input = calloc(1, in.nbytes + 1))) return 1;
    if (ember_method_set_input(m, 0, in.dtype, in.shape, in.rank, input, in.nbytes) != EMBER_OK ||
        ember_method_run(m) != EMBER_OK || ember_method_output(m, 0, &out) != EMBER_OK) {
        fprintf(stderr, "run: %s\n", ember_method_message(m)); return 1;
    }
    printf("method 'forward' uses %zu bytes; output 0 has %zu bytes, first value %g\n", need, out.nbytes,
           out.dtype == EMBER_DTYPE_FLOAT32 ? (double)((const float *)out.data)[0] : 0.0);
    fclose(f); free(input); free(mem); free(file);
    return 0;
}
