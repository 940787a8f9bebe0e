package webgpu

// GPU memory accounting and giving the pool's free buffers back.

// Memory implements nn.MemoryStats: the bytes of GPU buffers the device
// holds now (live tensors, the pool's free buffers, the arenas) and the
// most it held since New or the last ResetPeak.
func (d *Device) Memory() (held, peak int64) { return d.mem.held, d.mem.peak }

// Buffers is the number of GPU buffers the device holds now (live
// tensors' and the pool's free ones, the arenas): with Memory, what the
// worker's soak test watches return to the same figure after every run.
func (d *Device) Buffers() int { return d.mem.buffers }

// ResetPeak implements nn.MemoryStats.
func (d *Device) ResetPeak() { d.mem.peak = d.mem.held }

// memStats is the device's buffer accounting.
type memStats struct {
	held, peak int64
	buffers    int // GPU buffers created and not destroyed
}

func (m *memStats) add(n int) {
	m.held += int64(n)
	m.peak = max(m.peak, m.held)
}

// Trim implements nn.Trimmer: it destroys the pool's free buffers (and the
// bind groups that name them), so that a released model's memory goes
// back to the GPU before the next one is loaded.
func (d *Device) Trim() {
	d.flush() // recorded work may still use a free buffer
	gone := map[int32]bool{}
	drop := func(l []*pbuf) {
		for _, p := range l {
			gone[p.id] = true
			d.mem.add(-p.size)
			d.mem.buffers--
			d.table.SetIndex(int(p.id), nil)
			p.buf.Destroy()
		}
	}
	for i, l := range d.pool {
		drop(l)
		d.pool[i] = nil
	}
	for size, l := range d.oddPool {
		drop(*l)
		delete(d.oddPool, size)
	}
	if len(gone) == 0 {
		return
	}
	for k, bg := range d.bgs {
		for _, id := range k.ids {
			if gone[id] {
				d.table.SetIndex(int(bg), nil)
				delete(d.bgs, k)
				break
			}
		}
	}
}
