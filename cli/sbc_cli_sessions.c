/* The registry of live ACLI session threads (see sbc_cli_sessions.h): a
 * mutex-protected list, a count of max-sessions slots in use, and a condition
 * variable stop waits on. Finished threads wait on a second list until
 * they are joined. */
#include "sbc_cli_sessions.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

struct sbc_cli_slot {
	int fd;
	bool counted;
	pthread_t thread;            /* set by leave() */
	struct sbc_cli_slot *next;
};

struct sbc_cli_sessions {
	pthread_mutex_t lock;
	pthread_cond_t empty;
	struct sbc_cli_slot *live;
	struct sbc_cli_slot *done;   /* left, not joined yet */
	unsigned counted;
	bool stopping;
};

struct sbc_cli_sessions *sbc_cli_sessions_new(void)
{
	struct sbc_cli_sessions *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->empty, NULL);
	return s;
}

void sbc_cli_sessions_free(struct sbc_cli_sessions *s)
{
	if (s == NULL)
		return;
	pthread_cond_destroy(&s->empty);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Join the threads that have left; outside the lock, as joining waits for
 * a thread's last instructions. */
static void reap(struct sbc_cli_sessions *s)
{
	struct sbc_cli_slot *done;

	pthread_mutex_lock(&s->lock);
	done = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->lock);
	while (done != NULL) {
		struct sbc_cli_slot *next = done->next;

		pthread_join(done->thread, NULL);
		free(done);
		done = next;
	}
}

struct sbc_cli_slot *sbc_cli_sessions_enter(struct sbc_cli_sessions *s, int fd)
{
	struct sbc_cli_slot *slot;

	reap(s);
	slot = calloc(1, sizeof(*slot));
	if (slot == NULL)
		return NULL;
	slot->fd = fd;
	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		free(slot);
		return NULL;
	}
	slot->next = s->live;
	s->live = slot;
	pthread_mutex_unlock(&s->lock);
	return slot;
}

void sbc_cli_sessions_set_fd(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot, int fd)
{
	pthread_mutex_lock(&s->lock);
	slot->fd = fd;
	/* A session that starts while stop runs must still be woken. */
	if (s->stopping && fd >= 0)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->lock);
}

int sbc_cli_sessions_claim(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot, unsigned max)
{
	int rc = -1;

	pthread_mutex_lock(&s->lock);
	if (slot->counted) {
		rc = 0;
	} else if (s->counted < max && !s->stopping) {
		slot->counted = true;
		s->counted++;
		rc = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void unlink_slot(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot)
{
	struct sbc_cli_slot **pp;

	for (pp = &s->live; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == slot) {
			*pp = slot->next;
			break;
		}
	}
	if (slot->counted)
		s->counted--;
	if (s->live == NULL)
		pthread_cond_broadcast(&s->empty);
}

void sbc_cli_sessions_leave(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot)
{
	pthread_mutex_lock(&s->lock);
	unlink_slot(s, slot);
	slot->thread = pthread_self();
	slot->next = s->done;
	s->done = slot;
	pthread_mutex_unlock(&s->lock);
}

void sbc_cli_sessions_drop(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot)
{
	pthread_mutex_lock(&s->lock);
	unlink_slot(s, slot);
	pthread_mutex_unlock(&s->lock);
	free(slot);
}

void sbc_cli_sessions_stop(struct sbc_cli_sessions *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	for (struct sbc_cli_slot *slot = s->live; slot != NULL; slot = slot->next)
		if (slot->fd >= 0)
			shutdown(slot->fd, SHUT_RDWR);
	while (s->live != NULL)
		pthread_cond_wait(&s->empty, &s->lock);
	pthread_mutex_unlock(&s->lock);
	reap(s);
}
