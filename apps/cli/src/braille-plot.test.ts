import { describe, expect, it } from 'vitest';
import { braillePlot } from './braille-plot.js';

// Braille cell bits by dot, (column, row) within the cell: (0,0)=0x01 (0,1)=0x02 (0,2)=0x04 (0,3)=0x40,
// (1,0)=0x08 (1,1)=0x10 (1,2)=0x20 (1,3)=0x80; the character is U+2800 + bits.
describe('braillePlot', () => {
  it('draws a ramp as a joined diagonal, two points per dot column', () => {
    // v(i) = i for i = 0..7 on 4 dot columns x 8 dot rows; dot row of v = 7 - v (top row = max = 7).
    // Column c holds points 2c, 2c+1 and reaches back to the previous column's last point 2c-1:
    //   c=0: v 0..1 -> rows 6..7;  c=1: v 1..3 -> rows 4..6;  c=2: v 3..5 -> rows 2..4;  c=3: v 5..7 -> rows 0..2.
    // Top cells (rows 0-3): left = blank; right = c2 rows 2,3 (0x04|0x40) + c3 rows 0,1,2 (0x08|0x10|0x20) = 0x7c.
    // Bottom cells (rows 4-7): left = c0 rows 6,7 (0x04|0x40) + c1 rows 4,5,6 (0x08|0x10|0x20) = 0x7c;
    //                          right = c2 row 4 (0x01) = 0x01.
    expect(braillePlot((i) => i, 8, { width: 2, height: 2 })).toBe(
      ['7 ┤\u2800\u287c', '0 ┤\u287c\u2801', '  └──', '   0 7'].join('\n'),
    );
  });

  it('keeps the whole range of the points one column covers (a spike is not lost)', () => {
    // 6 points on 2 dot columns: column 0 = points 0..2 (all 0), column 1 = points 3..5 with a spike of 1 at 4.
    // 4 dot rows: 0 -> row 3, 1 -> row 0. Column 0: row 3 (0x40); column 1: rows 0..3 (0x08|0x10|0x20|0x80).
    const plot = braillePlot((i) => (i === 4 ? 1 : 0), 6, { width: 1, height: 1 });
    expect(plot.split('\n')[0]).toBe('1 ┤\u28f8');
  });

  it('draws a constant series across the middle dot row', () => {
    // 8 dot rows, middle = floor(7 / 2) = 3: the bottom dots of the top cells, 0x40|0x80 per cell, labelled once.
    const rows = braillePlot(() => 0.1, 4, { width: 2, height: 2 }).split('\n');
    expect(rows.slice(0, 2)).toEqual(['0.1 ┤\u28c0\u28c0', '    │\u2800\u2800']);
  });
});
