/* Splitting one GEMM over a method's tasks (see gemm.h, "threads"): the same for the
 * float and the int8 driver. */
#include "gemm.h"

#define MR EMBER_GEMM_MR
#define NR EMBER_GEMM_NR

/* How many parts: one per task, at most one per tile, one for a small product. */
static int32_t gemm_parts(int64_t m, int64_t n, int64_t k, const ember_threads *th) {
    int64_t tiles_m = (m + MR - 1) / MR, tiles_n = (n + NR - 1) / NR;
    int64_t tiles = tiles_n >= tiles_m ? tiles_n : tiles_m, parts = th != NULL ? th->n : 1;
    if (k < 1) k = 1;
    if (m * n < (EMBER_GEMM_MIN_SPLIT + k - 1) / k) return 1;   /* not worth a wake-up (m * n * k could overflow) */
    return (int32_t)(parts < tiles ? parts : tiles > 0 ? tiles : 1);
}

/* Part t of `parts`: whole NR panels when there are at least as many as MR row tiles,
 * else whole MR row tiles; each part gets floor or ceil of its share. */
static void gemm_split(int64_t m, int64_t n, int32_t parts, int32_t t, ember_gemm_range *rg) {
    int64_t tiles_m = (m + MR - 1) / MR, tiles_n = (n + NR - 1) / NR;
    rg->i_begin = 0, rg->i_end = m, rg->j_begin = 0, rg->j_end = n;
    if (tiles_n >= tiles_m) {
        int64_t a = tiles_n * t / parts * NR, b = tiles_n * (t + 1) / parts * NR;
        rg->j_begin = a, rg->j_end = b < n ? b : n;
    } else {
        int64_t a = tiles_m * t / parts * MR, b = tiles_m * (t + 1) / parts * MR;
        rg->i_begin = a, rg->i_end = b < m ? b : m;
    }
}

typedef struct split_job {
    const void *g;
    int64_t m, n;
    ember_gemm_range_fn run;
    const ember_threads *th;
    int32_t parts;
} split_job;

static void split_task(void *ctx, int32_t t) {
    const split_job *job = (const split_job *)ctx;
    ember_gemm_range rg;
    gemm_split(job->m, job->n, job->parts, t, &rg);
    job->run(job->g, ember_threads_scratch(job->th, t), &rg);
}

void ember_gemm_run_split(const void *g, int64_t m, int64_t n, int64_t k, ember_gemm_range_fn run,
                          const ember_threads *th) {
    split_job job = {g, m, n, run, th, gemm_parts(m, n, k, th)};
    ember_threads_run(th, job.parts, split_task, &job);
}
