package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sportello/sportello/internal/protocol"
)

// Group commit. A durable commit costs about one fsync, and every
// registering transaction holds the register counter and the audit head
// until its commit, so one transaction per registration caps a node at
// about one registration per fsync however many requests wait. Submit
// queues short registering functions for the node's single batching
// writer, which runs everything queued in one transaction, each function
// under its own savepoint, and commits once. Nothing waits on a timer:
// whatever arrives while a batch is committing forms the next batch, so a
// lone submission is not delayed.

// submission is one queued function and where its outcome goes.
type submission struct {
	ctx     context.Context
	fn      func(*Tx) error
	done    chan error
	panicV  any
	attempt int
}

// batcher is the per-node writer behind Submit.
type batcher struct {
	db       *DB
	maxBatch int
	queue    chan *submission
	quit     chan struct{}
	wg       sync.WaitGroup
	closing  sync.Once
	mu       sync.RWMutex // guards closed against Submit racing Close
	closed   bool
	onBatch  func(size int)
}

func newBatcher(db *DB, maxBatch int, onBatch func(int)) *batcher {
	if maxBatch <= 0 {
		maxBatch = 64
	}
	b := &batcher{db: db, maxBatch: maxBatch, queue: make(chan *submission, 4*maxBatch), quit: make(chan struct{}), onBatch: onBatch}
	b.wg.Add(1)
	go b.loop()
	return b
}

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("store: closed")

// Submit runs fn in a write transaction shared with other concurrent
// submissions (group commit) and returns fn's error, or the commit's. As
// with InTx, fn's changes commit only if it returns nil, and fn may run
// more than once, so it must have no effects outside the transaction
// beyond setting its results. If fn fails, only its own changes are rolled
// back — including the numbers it took, which go to the next registration.
//
// Use it for short registering work (take a number, insert, append events
// and audit entries); long work would hold up everyone queued behind it.
// Never call Submit or InTx from inside a submitted function, nor Submit
// from inside InTx: the writer (and, on SQLite, the single write
// connection) is busy with the caller, so it would wait forever.
func (db *DB) Submit(ctx context.Context, fn func(*Tx) error) error {
	b := db.batch
	s := &submission{ctx: ctx, fn: fn, done: make(chan error, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrClosed
	}
	select {
	case b.queue <- s:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-s.done:
		if s.panicV != nil {
			panic(s.panicV)
		}
		return err
	case <-ctx.Done():
		// The submission may still run and commit; an idempotency key
		// lets the caller's retry find the outcome.
		return ctx.Err()
	}
}

func (b *batcher) close() {
	b.closing.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.quit)
		b.wg.Wait()
	})
}

func (b *batcher) loop() {
	defer b.wg.Done()
	var retry []*submission
	for {
		batch := retry
		retry = nil
		if len(batch) == 0 {
			select {
			case s := <-b.queue:
				batch = append(batch, s)
			case <-b.quit:
				b.drain()
				return
			}
		}
	fill:
		for len(batch) < b.maxBatch {
			select {
			case s := <-b.queue:
				batch = append(batch, s)
			default:
				break fill
			}
		}
		retry = b.run(batch)
	}
}

// drain runs what is still queued at Close.
func (b *batcher) drain() {
	for {
		var batch []*submission
		for len(batch) < b.maxBatch {
			select {
			case s := <-b.queue:
				batch = append(batch, s)
				continue
			default:
			}
			break
		}
		if len(batch) == 0 {
			return
		}
		for retry := b.run(batch); len(retry) > 0; retry = b.run(retry) {
		}
	}
}

// run executes one batch and answers every submission in it, except those
// to retry (a PostgreSQL deadlock or serialization failure hit them), which
// it returns.
func (b *batcher) run(batch []*submission) (retry []*submission) {
	live := batch[:0]
	for _, s := range batch {
		if err := s.ctx.Err(); err != nil {
			s.done <- err // the caller gave up before its turn: do not run it
			continue
		}
		live = append(live, s)
	}
	if len(live) == 0 {
		return nil
	}
	if b.onBatch != nil {
		b.onBatch(len(live))
	}
	results, committing, err := b.db.runBatch(live)
	if err != nil && !committing && len(live) > 1 {
		// The batch failed before its commit was sent, so nothing was
		// stored: one submission broke the shared transaction. Run each on
		// its own, so that only the culprit fails.
		b.db.log.Warn("batch failed; running its submissions one by one", "size", len(live), "err", err)
		results = make([]error, len(live))
		for i, s := range live {
			r, _, serr := b.db.runBatch([]*submission{s})
			if serr != nil {
				results[i] = serr
			} else {
				results[i] = r[0]
			}
		}
		err = nil
	}
	for i, s := range live {
		e := err
		if e == nil {
			e = results[i]
		}
		if e != nil && b.db.d.classify(e) == errRetry && s.attempt+1 < maxAttempts {
			s.attempt++
			retry = append(retry, s)
			continue
		}
		s.done <- e
	}
	if len(retry) > 0 {
		b.db.log.Warn("batched submissions retried", "count", len(retry))
		time.Sleep(time.Duration(len(retry)) * time.Millisecond)
	}
	return retry
}

// runBatch runs the submissions in one transaction. It returns each one's
// own error, and a batch error if the transaction as a whole failed; then
// committing tells whether the commit had been sent (its outcome unknown)
// or not (nothing was stored).
func (db *DB) runBatch(subs []*submission) (results []error, committing bool, err error) {
	ctx := context.Background() // one caller's cancellation must not abort the others
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("store: begin batch: %w", err)
	}
	defer func() {
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	now := db.now()
	results = make([]error, len(subs))
	commit := &Tx{tx: sqlTx, db: db, now: now}
	allocs := map[protocol.Register]int{}
	// A lone submission needs no savepoint: if it fails, the whole
	// transaction rolls back. Otherwise one savepoint marks the state before
	// the current submission: a failure rolls back to it (and it stays in
	// place for the next one); a success moves it forward. Moving it is one
	// round trip ("RELEASE …; SAVEPOINT …"), which matters on PostgreSQL,
	// where the batch holds the register counter for all its round trips.
	single := len(subs) == 1
	if !single {
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT sub"); err != nil {
			return nil, false, fmt.Errorf("store: savepoint: %w", err)
		}
	}
	for i, s := range subs {
		tx := &Tx{tx: sqlTx, db: db, now: now, shielded: true}
		ferr := callSafely(s, tx)
		switch {
		case single && ferr != nil:
			sqlTx.Rollback()
			return []error{ferr}, false, nil
		case ferr != nil:
			if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT sub"); err != nil {
				return nil, false, fmt.Errorf("store: rollback to savepoint: %w", err)
			}
			results[i] = ferr
			continue
		}
		commit.audits = append(commit.audits, tx.audits...)
		for reg, n := range tx.allocs {
			allocs[reg] += n
		}
		if !single && i < len(subs)-1 {
			if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT sub; SAVEPOINT sub"); err != nil {
				return nil, false, fmt.Errorf("store: move savepoint: %w", err)
			}
		}
	}
	if err := commit.flushAudit(ctx); err != nil {
		return nil, false, err
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, true, fmt.Errorf("store: commit batch: %w", err)
	}
	if db.onAlloc != nil {
		for reg, n := range allocs {
			db.onAlloc(reg, n)
		}
	}
	return results, true, nil
}

// callSafely runs a submission's function, turning a panic into an error
// for the batch and handing the panic to the submitter to re-raise.
func callSafely(s *submission, tx *Tx) (err error) {
	s.panicV = nil // a retried submission may succeed this time
	defer func() {
		if p := recover(); p != nil {
			s.panicV = p
			err = fmt.Errorf("store: submitted function panicked: %v", p)
		}
	}()
	return s.fn(tx)
}

// QueueLen returns how many submissions wait for the batching writer.
func (db *DB) QueueLen() int { return len(db.batch.queue) }
