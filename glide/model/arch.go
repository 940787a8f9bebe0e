package model

import "fmt"

// The UNet's layout, derived once from a Config and shared by the
// parameter table and the forward pass, so the two cannot disagree.

// layerKind tells what one sub-module of a UNet block is.
type layerKind int

const (
	layerConv layerKind = iota // plain 3×3 conv (input_blocks.0.0)
	layerRes                   // ResBlock, possibly resampling
	layerAttn                  // AttentionBlock with text K/V
)

// layer is one sub-module at key prefix Prefix (e.g. "input_blocks.5.1").
type layer struct {
	Kind   layerKind
	Prefix string
	In     int  // input channels
	Out    int  // output channels
	Down   bool // ResBlock that average-pools 2×2
	Up     bool // ResBlock that upsamples 2× nearest
	Heads  int  // attention heads
}

// block is one TimestepEmbedSequential: its layers run in order.
type block struct {
	Name   string // "input_blocks.3", "middle_block", "output_blocks.2"
	Layers []layer
}

// arch is the UNet: input blocks (each output pushed on the skip stack),
// the middle block, and output blocks (each first concatenates [h, pop()]).
type arch struct {
	Input, Output []block
	Middle        block
	SkipChannels  []int // channels pushed by each input block
}

func (c Config) heads(ch int, upsample bool) int {
	if c.NumHeadChannels != -1 {
		return ch / c.NumHeadChannels
	}
	if upsample && c.NumHeadsUpsample != -1 {
		return c.NumHeadsUpsample
	}
	return c.NumHeads
}

// buildArch lays out the UNet as the reference's UNetModel.__init__ does.
func (c Config) buildArch() (*arch, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	mults, _ := c.ChannelMults()
	attnDS, _ := c.AttentionDS()
	mc := c.NumChannels
	a := &arch{}

	ch := mc
	a.Input = append(a.Input, block{Name: "input_blocks.0", Layers: []layer{{Kind: layerConv, Prefix: "input_blocks.0.0", In: c.InChannels(), Out: ch}}})
	a.SkipChannels = append(a.SkipChannels, ch)
	ds := 1
	for level, mult := range mults {
		for range c.NumResBlocks {
			name := fmt.Sprintf("input_blocks.%d", len(a.Input))
			out := mult * mc
			b := block{Name: name, Layers: []layer{{Kind: layerRes, Prefix: name + ".0", In: ch, Out: out}}}
			ch = out
			if attnDS[ds] {
				b.Layers = append(b.Layers, layer{Kind: layerAttn, Prefix: name + ".1", In: ch, Out: ch, Heads: c.heads(ch, false)})
			}
			a.Input = append(a.Input, b)
			a.SkipChannels = append(a.SkipChannels, ch)
		}
		if level != len(mults)-1 {
			name := fmt.Sprintf("input_blocks.%d", len(a.Input))
			a.Input = append(a.Input, block{Name: name, Layers: []layer{{Kind: layerRes, Prefix: name + ".0", In: ch, Out: ch, Down: true}}})
			a.SkipChannels = append(a.SkipChannels, ch)
			ds *= 2
		}
	}

	a.Middle = block{Name: "middle_block", Layers: []layer{
		{Kind: layerRes, Prefix: "middle_block.0", In: ch, Out: ch},
		{Kind: layerAttn, Prefix: "middle_block.1", In: ch, Out: ch, Heads: c.heads(ch, false)},
		{Kind: layerRes, Prefix: "middle_block.2", In: ch, Out: ch},
	}}

	stack := append([]int(nil), a.SkipChannels...)
	for level := len(mults) - 1; level >= 0; level-- {
		mult := mults[level]
		for i := 0; i <= c.NumResBlocks; i++ {
			skip := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			name := fmt.Sprintf("output_blocks.%d", len(a.Output))
			out := mc * mult
			b := block{Name: name, Layers: []layer{{Kind: layerRes, Prefix: name + ".0", In: ch + skip, Out: out}}}
			ch = out
			if attnDS[ds] {
				b.Layers = append(b.Layers, layer{Kind: layerAttn, Prefix: fmt.Sprintf("%s.%d", name, len(b.Layers)), In: ch, Out: ch, Heads: c.heads(ch, true)})
			}
			if level > 0 && i == c.NumResBlocks {
				b.Layers = append(b.Layers, layer{Kind: layerRes, Prefix: fmt.Sprintf("%s.%d", name, len(b.Layers)), In: ch, Out: ch, Up: true})
				ds /= 2
			}
			a.Output = append(a.Output, b)
		}
	}
	return a, nil
}
