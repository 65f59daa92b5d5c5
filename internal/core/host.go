package core

import (
	"context"
	"math/rand/v2"

	"github.com/tetratelabs/wazero/api"
)

// instantiateHost provides the module "env" the core imports.
func (c *Core) instantiateHost() error {
	i32, f64 := api.ValueTypeI32, api.ValueTypeF64
	b := c.rt.NewHostModuleBuilder("env")
	fn := func(name string, f api.GoModuleFunc, params, results []api.ValueType) {
		b.NewFunctionBuilder().WithGoModuleFunction(f, params, results).Export(name)
	}
	h := c.host
	none := []api.ValueType{}

	fn("microtick", func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = api.EncodeF64(h.Now())
	}, none, []api.ValueType{f64})
	fn("get_rand_int", func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(rand.Uint32())
	}, none, []api.ValueType{i32})
	fn("stop_idling", func(context.Context, api.Module, []uint64) {}, none, none)
	fn("cpu_event_halt", func(context.Context, api.Module, []uint64) {}, none, none)
	fn("run_hardware_timers", func(_ context.Context, _ api.Module, s []uint64) {
		acpi := uint32(s[0]) != 0
		now := api.DecodeF64(s[1])
		t := h.RunTimers(now)
		if acpi {
			var as [1]uint64
			as[0] = api.EncodeF64(now)
			if err := c.fnAPICTimer.CallWithStack(c.ctx, as[:]); err == nil {
				t = min(t, api.DecodeF64(as[0]))
			}
		}
		s[0] = api.EncodeF64(t)
	}, []api.ValueType{i32, f64}, []api.ValueType{f64})

	for _, w := range []struct {
		size  int
		read  string
		write string
	}{{1, "io_port_read8", "io_port_write8"}, {2, "io_port_read16", "io_port_write16"}, {4, "io_port_read32", "io_port_write32"}} {
		size := w.size
		fn(w.read, func(_ context.Context, _ api.Module, s []uint64) {
			s[0] = uint64(h.PortRead(uint16(s[0]), size))
		}, []api.ValueType{i32}, []api.ValueType{i32})
		fn(w.write, func(_ context.Context, _ api.Module, s []uint64) {
			h.PortWrite(uint16(s[0]), size, uint32(s[1]))
		}, []api.ValueType{i32, i32}, none)
	}

	fn("mmap_read8", func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(h.MMIORead(uint32(s[0]), 1))
	}, []api.ValueType{i32}, []api.ValueType{i32})
	fn("mmap_read32", func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(h.MMIORead(uint32(s[0]), 4))
	}, []api.ValueType{i32}, []api.ValueType{i32})
	fn("mmap_write8", func(_ context.Context, _ api.Module, s []uint64) {
		h.MMIOWrite(uint32(s[0]), 1, uint32(s[1]))
	}, []api.ValueType{i32, i32}, none)
	fn("mmap_write16", func(_ context.Context, _ api.Module, s []uint64) {
		h.MMIOWrite(uint32(s[0]), 2, uint32(s[1]))
	}, []api.ValueType{i32, i32}, none)
	fn("mmap_write32", func(_ context.Context, _ api.Module, s []uint64) {
		h.MMIOWrite(uint32(s[0]), 4, uint32(s[1]))
	}, []api.ValueType{i32, i32}, none)
	fn("mmap_write64", func(_ context.Context, _ api.Module, s []uint64) {
		a := uint32(s[0])
		h.MMIOWrite(a, 4, uint32(s[1]))
		h.MMIOWrite(a+4, 4, uint32(s[2]))
	}, []api.ValueType{i32, i32, i32}, none)
	fn("mmap_write128", func(_ context.Context, _ api.Module, s []uint64) {
		a := uint32(s[0])
		for i := 0; i < 4; i++ {
			h.MMIOWrite(a+uint32(4*i), 4, uint32(s[1+i]))
		}
	}, []api.ValueType{i32, i32, i32, i32, i32}, none)

	fn("jit_clear_func", func(_ context.Context, _ api.Module, s []uint64) {
		c.jitClearFunc(uint32(s[0]))
	}, []api.ValueType{i32}, none)
	fn("codegen_finalize", func(_ context.Context, m api.Module, s []uint64) {
		if code, ok := m.Memory().Read(uint32(s[3]), uint32(s[4])); ok {
			c.codegenFinalize(uint32(s[0]), uint32(s[1]), uint32(s[2]), code)
		}
	}, []api.ValueType{i32, i32, i32, i32, i32}, none)
	fn("console_log_from_wasm", func(_ context.Context, m api.Module, s []uint64) {
		if b, ok := m.Memory().Read(uint32(s[0]), uint32(s[1])); ok {
			c.notePanic(string(b))
			h.Log(string(b))
		}
	}, []api.ValueType{i32, i32}, none)

	_, err := b.Instantiate(c.ctx)
	return err
}
