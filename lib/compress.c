/*
 * compress.c: the gzip and brotli encoders of compress.h, used once per
 * build for every compressible body. gzip is streamed through a small chunk
 * buffer; brotli is one call into a buffer of its worst-case size. Also the
 * pool of threads that compresses a build's pages while it renders more
 * (COMPRESS_QUEUE_MAX tasks waiting at most).
 */
#include "compress.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <brotli/encode.h>
#include <zlib.h>

#include "folio_limits.h"

/* Output taken from deflate per step: large enough that a page takes a few
 * steps, small enough to live on the stack. */
#define GZIP_CHUNK		16384
/* windowBits: 15 is zlib's largest window (32 KiB); +16 asks for a gzip
 * header and trailer instead of a zlib one. */
#define GZIP_WINDOW_BITS	(15 + 16)
/* memLevel 9 is zlib's maximum: more memory for the match state, slightly
 * better ratio, which is what a one-off compression wants. */
#define GZIP_MEM_LEVEL		9
/* Bodies under this size are compressed by the caller at once: handing a
 * job over costs a few microseconds, compressing 4 KiB about a hundred. */
#define COMPRESS_THREAD_MIN	4096
/* How much lower the pool's threads run than the process (nice(2)): a
 * build beside busy workers leaves them the cores, and gets the rest. */
#define COMPRESS_NICE		5

enum codec { CODEC_GZIP, CODEC_BROTLI };

struct task {
	struct compress_job	*job;
	enum codec		 codec;
};

/*
 * The pool of the process: started by the first compress_submit() and kept
 * until compress_release() (a thread made for each page was a twentieth of
 * a build's time). Tasks are taken in the order given. When no thread
 * could be started, a caller waiting for its job runs the tasks itself.
 */
static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* a task queued, or stop */
	pthread_cond_t	 done;		/* a job finished */
	pthread_t	 threads[COMPRESS_THREADS_MAX];
	int		 nthreads;	/* running */
	int		 want;		/* compress_threads(); 0 = per core */
	bool		 started;
	bool		 stop;
	struct task	 q[COMPRESS_QUEUE_MAX];
	size_t		 head, count;
} pool = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

int
compress_gzip(const void *in, size_t len, struct buf *out)
{
	unsigned char chunk[GZIP_CHUNK];
	const unsigned char *p = in;
	z_stream zs = { 0 };
	size_t left = len;
	int flush, zr;

	if (deflateInit2(&zs, GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW_BITS,
	    GZIP_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	/* avail_in is a uInt: feed very large inputs in slices. */
	do {
		uInt take = left > UINT32_MAX ? UINT32_MAX : (uInt)left;

		zs.next_in = (Bytef *)(uintptr_t)p;
		zs.avail_in = take;
		if (take > 0) {
			p += take;
			left -= take;
		}
		flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			zr = deflate(&zs, flush);
			if (zr == Z_STREAM_ERROR) {
				deflateEnd(&zs);
				return -1;
			}
			buf_append(out, chunk, sizeof(chunk) - zs.avail_out);
			if (buf_failed(out)) {
				deflateEnd(&zs);
				return -1;
			}
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	deflateEnd(&zs);
	return zr == Z_STREAM_END ? 0 : -1;
}

int
compress_brotli(const void *in, size_t len, struct buf *out)
{
	size_t max, n;
	uint8_t *tmp;
	int rc = -1;

	if ((max = BrotliEncoderMaxCompressedSize(len)) == 0)
		return -1;
	if ((tmp = malloc(max)) == NULL)
		return -1;
	n = max;
	if (BrotliEncoderCompress(BROTLI_QUALITY, BROTLI_DEFAULT_WINDOW,
	    BROTLI_MODE_TEXT, len, in, &n, tmp) == BROTLI_TRUE) {
		buf_append(out, tmp, n);
		rc = buf_failed(out) ? -1 : 0;
	}
	free(tmp);
	return rc;
}

static void
task_run(struct task t)
{
	struct compress_job *j = t.job;

	if (t.codec == CODEC_GZIP)
		j->gz_rc = compress_gzip(j->in, j->len, j->gz);
	else
		j->br_rc = compress_brotli(j->in, j->len, j->br);
}

/* Takes the oldest task; pool.mu held, pool.count > 0. */
static struct task
task_take(void)
{
	struct task t = pool.q[pool.head];

	pool.head = (pool.head + 1) % COMPRESS_QUEUE_MAX;
	pool.count--;
	return t;
}

/* Runs t without the lock and counts it done; pool.mu held. */
static void
task_do(struct task t)
{
	pthread_mutex_unlock(&pool.mu);
	task_run(t);
	pthread_mutex_lock(&pool.mu);
	/* Waiters wait for whole jobs: one wake-up a job, not a task. */
	if (--t.job->pending == 0)
		pthread_cond_broadcast(&pool.done);
}

static void *
pool_main(void *arg)
{
	(void)arg;
	/* This thread only: Linux gives each thread its own nice value. An
	 * error leaves it at the process's priority, which is no harm. */
	errno = 0;
	int base = getpriority(PRIO_PROCESS, 0);

	if (errno == 0)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(),
		    base + COMPRESS_NICE);
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (pool.count == 0 && !pool.stop)
			pthread_cond_wait(&pool.work, &pool.mu);
		if (pool.count == 0)
			break;
		task_do(task_take());
	}
	pthread_mutex_unlock(&pool.mu);
	return NULL;
}

/* compress_threads(), or the cores this process may run on (a cpuset, as
 * a container's, counts; a CPU quota does not, hence the key). */
static int
pool_size(void)
{
	cpu_set_t set;
	long n = pool.want;

	if (n <= 0 && sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0 && (n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		n = 1;
	return n < COMPRESS_THREADS_MAX ? (int)n : COMPRESS_THREADS_MAX;
}

/* Starts the threads once; pool.mu held. Fewer than asked (or none) is
 * slower, never wrong: with none, waiting callers run the tasks. */
static void
pool_start(void)
{
	int n = pool_size();

	pool.started = true;
	pool.stop = false;
	while (pool.nthreads < n && pthread_create(
	    &pool.threads[pool.nthreads], NULL, pool_main, NULL) == 0)
		pool.nthreads++;
}

void
compress_threads(int n)
{
	pthread_mutex_lock(&pool.mu);
	pool.want = n;
	pthread_mutex_unlock(&pool.mu);
}

void
compress_submit(struct compress_job *j)
{
	bool queued = false;

	j->gz_rc = j->br_rc = -1;
	j->pending = 0;
	if (j->len >= COMPRESS_THREAD_MIN) {
		pthread_mutex_lock(&pool.mu);
		if (!pool.started)
			pool_start();
		if (pool.count + 2 <= COMPRESS_QUEUE_MAX) {
			size_t tail = (pool.head + pool.count) %
			    COMPRESS_QUEUE_MAX;

			pool.q[tail] = (struct task){ j, CODEC_GZIP };
			pool.q[(tail + 1) % COMPRESS_QUEUE_MAX] =
			    (struct task){ j, CODEC_BROTLI };
			pool.count += 2;
			j->pending = 2;
			queued = true;
			pthread_cond_signal(&pool.work);
			pthread_cond_signal(&pool.work);
		}
		pthread_mutex_unlock(&pool.mu);
	}
	if (queued)
		return;
	/* Small, or the queue is full: here and now, the same result. */
	task_run((struct task){ j, CODEC_GZIP });
	task_run((struct task){ j, CODEC_BROTLI });
}

void
compress_wait(struct compress_job *j)
{
	pthread_mutex_lock(&pool.mu);
	while (j->pending > 0) {
		/* With threads, the caller (at the process's priority) only
		 * waits: compressing stays below serving. */
		if (pool.nthreads == 0 && pool.count > 0)
			task_do(task_take());
		else
			pthread_cond_wait(&pool.done, &pool.mu);
	}
	pthread_mutex_unlock(&pool.mu);
}

void
compress_release(void)
{
	int n;

	pthread_mutex_lock(&pool.mu);
	pool.stop = true;
	pthread_cond_broadcast(&pool.work);
	n = pool.nthreads;
	pthread_mutex_unlock(&pool.mu);
	/* The threads end once the queue is empty; only this thread joins. */
	for (int i = 0; i < n; i++)
		pthread_join(pool.threads[i], NULL);
	pthread_mutex_lock(&pool.mu);
	pool.nthreads = 0;
	pool.started = false;
	pthread_mutex_unlock(&pool.mu);
}
