/* ember_pool: a small pthread pool that implements ember.h's parallel-for, for apps that
 * want ember_method_set_threads. Part of the examples, not of the library (the library
 * starts no threads): copy it, or hand the method your own pool's parallel-for.
 *
 *     ember_pool *pool = ember_pool_create(4);              // 3 workers + the caller
 *     ember_method_memory_size_threads(prog, "forward", 4, &need);
 *     ... ember_method_init(prog, "forward", mem, need, &m) ...
 *     ember_method_set_threads(m, 4, ember_pool_parallel_for, pool);
 *     ember_method_run(m);                                  // kernels split over 4 threads
 *     ember_pool_free(pool);                                // after the last run
 *
 * The calling thread takes tasks too, so a pool of N threads starts N - 1 workers. One
 * parallel_for at a time per pool (calls from two threads at once are serialised). */
#ifndef EMBER_POOL_H
#define EMBER_POOL_H

#include "ember.h"

typedef struct ember_pool ember_pool;

/* A pool for `threads` (1 .. EMBER_MAX_THREADS) threads; NULL when threads is out of
 * range or a thread or the memory cannot be had. */
ember_pool *ember_pool_create(int32_t threads);
/* Runs task(ctx, i) for every i < count across the pool and returns when all are done
 * (an ember_parallel_for_fn). */
void ember_pool_parallel_for(void *pool, int32_t count, ember_task_fn task, void *ctx);
/* Stops and joins the workers and frees the pool. NULL is a no-op. */
void ember_pool_free(ember_pool *pool);

#endif /* EMBER_POOL_H */
