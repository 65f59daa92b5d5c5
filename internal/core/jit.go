package core

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// JIT hosting. The core's code generator hands over a finished wasm module
// through codegen_finalize and expects codegen_finalize_finished once the
// module's function "f" is in the table at TableOffset+index. Here:
//
//   - codegen_finalize (inside main_loop) copies the module and queues it;
//   - a worker goroutine rewrites it (jitmodule.go) and compiles it;
//   - FinishJIT, on the emulation goroutine between main_loop calls,
//     instantiates it, calls its install function (which stores "f" in the
//     table) and then codegen_finalize_finished;
//   - jit_clear_func (the slot is being reused) marks the slot's module for
//     closing; FinishJIT nulls the table entry and closes it.
//
// The core compiles one module at a time: it starts no new compilation until
// codegen_finalize_finished arrives. A module that is dropped (full queue),
// fails or is discarded therefore must still be finished, or the JIT stops
// for good: FinishJIT first marks the module's entry page dirty, which the
// core records as "written while compiled", so finishing it frees the slot
// and installs nothing; the page is simply compiled again when hot.

// TableOffset is the first table slot of JIT-compiled functions.
const TableOffset = 1024

// jitSlots is the number of JIT table slots.
const jitSlots = TableSize - TableOffset

// jitWorkers compile modules. The core has at most one module in flight, so
// a second worker would idle.
const jitWorkers = 1

// jitQueueLen bounds the queue of modules waiting for a worker.
const jitQueueLen = 8

// JITStats are counters of the JIT's module pipeline.
type JITStats struct {
	Queued       uint64        // modules handed over by the core
	Dropped      uint64        // not queued: the queue was full
	Compiled     uint64        // compiled by a worker
	Failed       uint64        // did not compile or instantiate
	Stale        uint64        // compiled, but their slot was cleared meanwhile
	Instantiated uint64        // installed in the table and finished
	Closed       uint64        // closed because their slot was reused
	CompileTime  time.Duration // total worker time (rewrite and compile)
	MaxCompile   time.Duration // the slowest module
}

// jitJob is one generated module on its way to the table.
type jitJob struct {
	index, start, flags uint32
	gen                 uint32 // the slot's generation when queued
	epoch               uint32 // the host's epoch when queued (see dropAll)
	code                []byte
	compiled            wazero.CompiledModule
	err                 error
}

type jitSlot struct {
	mod      api.Module
	compiled wazero.CompiledModule
}

type jitHost struct {
	rt    wazero.Runtime
	queue chan *jitJob
	wg    sync.WaitGroup

	mu     sync.Mutex
	ready  []*jitJob // compiled, for FinishJIT
	nReady atomic.Int32

	// Owned by the emulation goroutine.
	gen       [jitSlots]uint32
	slots     [jitSlots]jitSlot
	closing   []int     // slots whose module is to be closed
	retry     []*jitJob // dropped modules still to be finished
	clearFn   api.Function
	finishFn  api.Function
	logged    bool
	dropNext  int                  // tests: drop this many coming modules as if the queue were full
	open      map[*jitJob]struct{} // handed over by the core, not yet finished
	epoch     uint32               // bumped when a restore makes every job void
	st        JITStats
	compiled  atomic.Uint64
	nanos     atomic.Int64
	maxNanos  atomic.Int64
	cfgNoName wazero.ModuleConfig
}

// startJIT prepares JIT hosting: the table clearer and the workers.
func (c *Core) startJIT() error {
	j := &jitHost{
		rt:        c.rt,
		queue:     make(chan *jitJob, jitQueueLen),
		open:      map[*jitJob]struct{}{},
		cfgNoName: wazero.NewModuleConfig().WithName("").WithStartFunctions(),
	}
	mod, err := c.rt.InstantiateWithConfig(c.ctx, tableClearer(), j.cfgNoName)
	if err != nil {
		return fmt.Errorf("core: jit table helper: %w", err)
	}
	j.clearFn = mod.ExportedFunction("clear")
	if j.finishFn = c.mod.ExportedFunction("codegen_finalize_finished"); j.finishFn == nil {
		return fmt.Errorf("core: export codegen_finalize_finished missing: not v86 %s", Version)
	}
	for range jitWorkers {
		j.wg.Add(1)
		go j.work(c.ctx)
	}
	c.jit = j
	return nil
}

// work compiles queued modules until the queue is closed.
func (j *jitHost) work(ctx context.Context) {
	defer j.wg.Done()
	for job := range j.queue {
		t0 := time.Now()
		var wasm []byte
		wasm, job.err = rewriteJIT(job.code, job.index)
		if job.err == nil {
			job.compiled, job.err = j.rt.CompileModule(ctx, wasm)
		}
		d := time.Since(t0).Nanoseconds()
		j.nanos.Add(d)
		for {
			m := j.maxNanos.Load()
			if d <= m || j.maxNanos.CompareAndSwap(m, d) {
				break
			}
		}
		if job.err == nil {
			j.compiled.Add(1)
		}
		job.code = nil
		j.mu.Lock()
		j.ready = append(j.ready, job)
		j.mu.Unlock()
		j.nReady.Add(1)
	}
}

// codegenFinalize is the core's import codegen_finalize: code is the module,
// still in the core's reused buffer, so it is copied.
func (c *Core) codegenFinalize(index, start, flags uint32, code []byte) {
	j := c.jit
	if j == nil || index >= jitSlots {
		return
	}
	j.st.Queued++
	job := &jitJob{index: index, start: start, flags: flags, gen: j.gen[index], epoch: j.epoch}
	j.open[job] = struct{}{}
	if j.dropNext == 0 {
		job.code = append([]byte(nil), code...)
		select {
		case j.queue <- job:
			return
		default:
		}
	} else {
		j.dropNext--
	}
	j.st.Dropped++
	job.code = nil
	j.retry = append(j.retry, job)
}

// jitClearFunc is the core's import jit_clear_func: the slot is free again.
func (c *Core) jitClearFunc(index uint32) {
	j := c.jit
	if j == nil || index >= jitSlots {
		return
	}
	j.gen[index]++ // a module still compiling for the slot is stale
	if j.slots[index].mod != nil {
		j.closing = append(j.closing, int(index))
	}
}

// FinishJIT installs the modules the workers have compiled since the last
// call and closes those whose slot was reused. It must be called on the
// emulation goroutine, outside MainLoop; MainLoop calls it itself, so a run
// loop need not. It costs an atomic load when there is nothing to do.
func (c *Core) FinishJIT() error {
	j := c.jit
	if j == nil || (j.nReady.Load() == 0 && len(j.closing) == 0 && len(j.retry) == 0) {
		return nil
	}
	// Closing first: a slot cleared and then reused gets its new module below.
	closing := j.closing
	j.closing = nil
	for _, i := range closing {
		if err := c.closeSlot(i); err != nil {
			return err
		}
	}
	retry := j.retry
	j.retry = nil
	for _, job := range retry {
		if err := c.abandon(job); err != nil {
			return err
		}
	}
	if j.nReady.Load() == 0 {
		return nil
	}
	j.mu.Lock()
	ready := j.ready
	j.ready = nil
	j.nReady.Store(0)
	j.mu.Unlock()
	for _, job := range ready {
		if err := c.install(job); err != nil {
			return err
		}
	}
	return nil
}

// install instantiates a compiled module, stores its function in the table
// and tells the core.
func (c *Core) install(job *jitJob) error {
	j := c.jit
	if job.epoch != j.epoch { // queued before a restore: the core forgot it
		if job.compiled != nil {
			job.compiled.Close(c.ctx)
		}
		return nil
	}
	if job.err == nil && job.gen != j.gen[job.index] {
		j.st.Stale++
		job.compiled.Close(c.ctx)
		return c.abandon(job)
	}
	var mod api.Module
	if job.err == nil {
		mod, job.err = j.rt.InstantiateModule(c.ctx, job.compiled, j.cfgNoName)
		if job.err == nil {
			s := [1]uint64{uint64(TableOffset + job.index)}
			if err := mod.ExportedFunction(installExport).CallWithStack(c.ctx, s[:]); err != nil {
				job.err = err
				mod.Close(c.ctx)
			}
		}
		if job.err != nil {
			job.compiled.Close(c.ctx)
		}
	}
	if job.err != nil {
		j.st.Failed++
		if !j.logged {
			j.logged = true
			c.host.Log(fmt.Sprintf("jit: module for %#x not installed: %v", job.start, job.err))
		}
		return c.abandon(job)
	}
	if j.slots[job.index].mod != nil { // not cleared first: close the old one
		old := j.slots[job.index]
		old.mod.Close(c.ctx)
		old.compiled.Close(c.ctx)
		j.st.Closed++
	}
	j.slots[job.index] = jitSlot{mod: mod, compiled: job.compiled}
	j.st.Instantiated++
	delete(j.open, job)
	s := [3]uint64{uint64(job.index), uint64(job.start), uint64(job.flags)}
	if err := j.finishFn.CallWithStack(c.ctx, s[:]); err != nil {
		return fmt.Errorf("%w: codegen_finalize_finished: %v", ErrTrap, err)
	}
	return nil
}

// abandon finishes a module that will not be installed: its entry page is
// marked written, so the core frees the slot instead of using it.
func (c *Core) abandon(job *jitJob) error {
	delete(c.jit.open, job)
	page := job.start &^ 0xFFF
	var s [3]uint64
	s[0], s[1] = uint64(page), uint64(page+0x1000)
	if err := c.fnDirty.CallWithStack(c.ctx, s[:2]); err != nil {
		return fmt.Errorf("%w: jit_dirty_cache: %v", ErrTrap, err)
	}
	s[0], s[1], s[2] = uint64(job.index), uint64(job.start), uint64(job.flags)
	if err := c.jit.finishFn.CallWithStack(c.ctx, s[:]); err != nil {
		return fmt.Errorf("%w: codegen_finalize_finished: %v", ErrTrap, err)
	}
	return nil
}

// closeSlot removes a slot's function from the table and closes its module.
func (c *Core) closeSlot(i int) error {
	j := c.jit
	sl := j.slots[i]
	if sl.mod == nil {
		return nil
	}
	j.slots[i] = jitSlot{}
	s := [1]uint64{uint64(TableOffset + i)}
	if err := j.clearFn.CallWithStack(c.ctx, s[:]); err != nil {
		return fmt.Errorf("%w: table clear: %v", ErrTrap, err)
	}
	sl.mod.Close(c.ctx)
	sl.compiled.Close(c.ctx)
	j.st.Closed++
	return nil
}

// JITStats returns the JIT's counters (zero when the JIT is off).
func (c *Core) JITStats() JITStats {
	j := c.jit
	if j == nil {
		return JITStats{}
	}
	st := j.st
	st.Compiled = j.compiled.Load()
	st.CompileTime = time.Duration(j.nanos.Load())
	st.MaxCompile = time.Duration(j.maxNanos.Load())
	return st
}

// stopJIT stops the workers and closes every JIT module.
func (c *Core) stopJIT() {
	j := c.jit
	if j == nil {
		return
	}
	close(j.queue)
	j.wg.Wait()
	for _, job := range j.ready {
		if job.compiled != nil {
			job.compiled.Close(c.ctx)
		}
	}
	j.ready = nil
	c.jit = nil
}
