//! Huffman coding for JPEG entropy data: reading codes from a table a file defines, building the
//! optimal table for measured symbol counts (ITU-T T.81 Annex K.2, lengths limited to 16 bits),
//! and the bit-level reader and writer with `FF 00` byte stuffing.

#![allow(
    clippy::indexing_slicing,
    reason = "code lengths are 1..=16 and symbols 8-bit, into tables of those sizes, checked when a DHT segment is read; images::fuzz feeds damaged JPEGs"
)]

use super::JpegError;

/// A table as stored in a DHT segment: how many codes of each length 1..=16, then the symbols in
/// code order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub counts: [u8; 16],
    pub symbols: Vec<u8>,
}

/// Canonical decoding table (T.81 F.2.2.3): for each length, the smallest and largest code and
/// where its symbols start.
#[derive(Debug, Clone)]
pub(crate) struct Decoder {
    mincode: [i32; 17],
    maxcode: [i32; 17],
    valptr: [usize; 17],
    symbols: Vec<u8>,
}

impl Decoder {
    pub(super) fn new(table: &Table) -> Result<Decoder, JpegError> {
        let total: usize = table.counts.iter().map(|&c| usize::from(c)).sum();
        if total != table.symbols.len() || total > 256 {
            return Err(JpegError::Corrupt(
                "Huffman table counts do not match its symbols",
            ));
        }
        let mut mincode = [0i32; 17];
        let mut maxcode = [-1i32; 17];
        let mut valptr = [0usize; 17];
        let mut code: i32 = 0;
        let mut k = 0usize;
        for len in 1..=16 {
            let n = i32::from(table.counts[len - 1]);
            if n > 0 {
                valptr[len] = k;
                mincode[len] = code;
                code += n;
                k += n as usize;
                maxcode[len] = code - 1;
            }
            // A table whose codes do not fit in `len` bits is not a prefix code.
            if code > (1 << len) {
                return Err(JpegError::Corrupt("Huffman table is over-subscribed"));
            }
            code <<= 1;
        }
        Ok(Decoder {
            mincode,
            maxcode,
            valptr,
            symbols: table.symbols.clone(),
        })
    }

    pub(super) fn decode(&self, r: &mut BitReader<'_>) -> Result<u8, JpegError> {
        let mut code: i32 = 0;
        for len in 1..=16 {
            code = (code << 1) | r.bit()? as i32;
            if code <= self.maxcode[len] {
                let i = self.valptr[len] + (code - self.mincode[len]) as usize;
                return self
                    .symbols
                    .get(i)
                    .copied()
                    .ok_or(JpegError::Corrupt("bad Huffman code"));
            }
        }
        Err(JpegError::Corrupt("bad Huffman code"))
    }
}

/// Encoding side: code and length per symbol.
#[derive(Debug, Clone)]
pub(crate) struct Encoder {
    codes: [(u16, u8); 256],
}

impl Encoder {
    pub(super) fn new(table: &Table) -> Encoder {
        let mut codes = [(0u16, 0u8); 256];
        let mut code: u32 = 0;
        let mut k = 0usize;
        for len in 1..=16u8 {
            for _ in 0..table.counts[usize::from(len - 1)] {
                if let Some(&sym) = table.symbols.get(k) {
                    codes[usize::from(sym)] = (code as u16, len);
                }
                code += 1;
                k += 1;
            }
            code <<= 1;
        }
        Encoder { codes }
    }

    pub(super) fn put(&self, w: &mut BitWriter, symbol: u8) {
        let (code, len) = self.codes[usize::from(symbol)];
        debug_assert!(
            len > 0,
            "symbol {symbol:#x} has no code: the table was built from other counts"
        );
        w.put(u32::from(code), len);
    }
}

/// The optimal table for these symbol counts with code lengths of at most 16 bits and no code of
/// all ones (T.81 Annex K.2 and K.3). Deterministic: ties take the larger symbol, as the annex does.
pub(crate) fn optimal_table(freq: &[u32; 256]) -> Table {
    const N: usize = 257;
    let mut f = [0u64; N];
    for (dst, &src) in f.iter_mut().zip(freq.iter()) {
        *dst = u64::from(src);
    }
    // One reserved symbol guarantees no real code is all ones; it is removed below.
    f[256] = 1;
    let mut codesize = [0usize; N];
    let mut others = [usize::MAX; N];
    loop {
        let mut c1 = usize::MAX;
        let mut v = u64::MAX;
        for (i, &x) in f.iter().enumerate() {
            if x != 0 && x <= v {
                v = x;
                c1 = i;
            }
        }
        let mut c2 = usize::MAX;
        v = u64::MAX;
        for (i, &x) in f.iter().enumerate() {
            if x != 0 && x <= v && i != c1 {
                v = x;
                c2 = i;
            }
        }
        if c2 == usize::MAX || c1 == usize::MAX {
            break;
        }
        f[c1] += f[c2];
        f[c2] = 0;
        codesize[c1] += 1;
        let mut c = c1;
        while others[c] != usize::MAX {
            c = others[c];
            codesize[c] += 1;
        }
        others[c] = c2;
        codesize[c2] += 1;
        let mut c = c2;
        while others[c] != usize::MAX {
            c = others[c];
            codesize[c] += 1;
        }
    }
    // Lengths can exceed 16 before adjustment; 257 symbols cannot be deeper than 256.
    let mut bits = [0u32; N + 1];
    for &size in &codesize {
        if size > 0 {
            bits[size] += 1;
        }
    }
    let mut i = N;
    while i > 16 {
        while bits[i] > 0 {
            let mut j = i - 2;
            while bits[j] == 0 {
                j -= 1;
            }
            bits[i] -= 2;
            bits[i - 1] += 1;
            bits[j + 1] += 2;
            bits[j] -= 1;
        }
        i -= 1;
    }
    // Remove the reserved code point from the longest length in use.
    let mut i = 16;
    while i > 0 && bits[i] == 0 {
        i -= 1;
    }
    if i > 0 {
        bits[i] -= 1;
    }
    let mut counts = [0u8; 16];
    for len in 1..=16 {
        counts[len - 1] = bits[len] as u8;
    }
    // Symbols in order of code length, then value; lengths above 16 were folded into 16 above,
    // so assign symbols to lengths by their original depth order.
    let mut order: Vec<(usize, u8)> = (0..256)
        .filter(|&s| codesize[s] > 0)
        .map(|s| (codesize[s], s as u8))
        .collect();
    order.sort_unstable();
    let symbols = order.into_iter().map(|(_, s)| s).collect();
    Table { counts, symbols }
}

/// Reads entropy-coded bits, undoing `FF 00` stuffing. Running into a marker or the end of the
/// data before the scan is complete is an error: libjpeg would pad with zeros and warn, which
/// means the file is truncated or corrupt and we keep it as it is.
#[derive(Debug)]
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    pub pos: usize,
    acc: u32,
    nbits: u8,
}

impl<'a> BitReader<'a> {
    pub(super) fn new(data: &'a [u8], pos: usize) -> BitReader<'a> {
        BitReader {
            data,
            pos,
            acc: 0,
            nbits: 0,
        }
    }

    fn fill(&mut self) -> Result<(), JpegError> {
        let b = *self.data.get(self.pos).ok_or(JpegError::Truncated)?;
        if b == 0xFF {
            match self.data.get(self.pos + 1) {
                None => return Err(JpegError::Truncated),
                Some(0x00) => self.pos += 2,
                Some(_) => {
                    return Err(JpegError::Corrupt("entropy data ends before the scan does"));
                }
            }
        } else {
            self.pos += 1;
        }
        self.acc = (self.acc << 8) | u32::from(b);
        self.nbits += 8;
        Ok(())
    }

    pub(super) fn bit(&mut self) -> Result<u32, JpegError> {
        if self.nbits == 0 {
            self.fill()?;
        }
        self.nbits -= 1;
        Ok((self.acc >> self.nbits) & 1)
    }

    pub(super) fn bits(&mut self, n: u8) -> Result<u32, JpegError> {
        while self.nbits < n {
            self.fill()?;
        }
        self.nbits -= n;
        Ok((self.acc >> self.nbits) & ((1u32 << n) - 1))
    }

    /// `n` bits as a signed value (T.81 F.2.2.1 EXTEND).
    pub(super) fn signed(&mut self, n: u8) -> Result<i32, JpegError> {
        if n == 0 {
            return Ok(0);
        }
        if n > 16 {
            return Err(JpegError::Corrupt(
                "coefficient magnitude category above 16",
            ));
        }
        let v = self.bits(n)? as i32;
        Ok(if v < (1 << (n - 1)) {
            v - (1 << n) + 1
        } else {
            v
        })
    }

    /// Skips to the byte after the next RSTn marker, dropping the partial byte.
    pub(super) fn restart(&mut self) -> Result<(), JpegError> {
        self.acc = 0;
        self.nbits = 0;
        while self.data.get(self.pos) == Some(&0xFF) && self.data.get(self.pos + 1) == Some(&0xFF) {
            self.pos += 1;
        }
        match (self.data.get(self.pos), self.data.get(self.pos + 1)) {
            (Some(0xFF), Some(0xD0..=0xD7)) => {
                self.pos += 2;
                Ok(())
            }
            (None, _) | (_, None) => Err(JpegError::Truncated),
            _ => Err(JpegError::Corrupt("missing restart marker")),
        }
    }
}

/// Writes entropy-coded bits with `FF 00` stuffing; `finish` pads the last byte with ones.
#[derive(Debug, Default)]
pub(crate) struct BitWriter {
    pub out: Vec<u8>,
    acc: u64,
    nbits: u8,
}

impl BitWriter {
    pub(super) fn put(&mut self, value: u32, n: u8) {
        if n == 0 {
            return;
        }
        self.acc = (self.acc << n) | u64::from(value & ((1u32 << n) - 1));
        self.nbits += n;
        while self.nbits >= 8 {
            self.nbits -= 8;
            let b = (self.acc >> self.nbits) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
        }
        self.acc &= (1u64 << self.nbits) - 1;
    }

    pub(super) fn finish(mut self) -> Vec<u8> {
        if self.nbits > 0 {
            let pad = 8 - self.nbits;
            self.put((1u32 << pad) - 1, pad);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(freq: &[u32; 256]) -> Table {
        let table = optimal_table(freq);
        assert!(table.counts.iter().map(|&c| c as usize).sum::<usize>() == table.symbols.len());
        let enc = Encoder::new(&table);
        let dec = Decoder::new(&table).unwrap();
        let mut w = BitWriter::default();
        let used: Vec<u8> = (0..=255u8).filter(|&s| freq[s as usize] > 0).collect();
        for &s in &used {
            enc.put(&mut w, s);
        }
        let bytes = w.finish();
        let mut r = BitReader::new(&bytes, 0);
        for &s in &used {
            assert_eq!(dec.decode(&mut r).unwrap(), s);
        }
        table
    }

    #[test]
    fn optimal_table_round_trips_and_limits_lengths() {
        let mut freq = [0u32; 256];
        freq[0] = 1000;
        freq[1] = 1;
        round_trip(&freq);
        // Fibonacci counts force depths beyond 16 before the K.3 adjustment.
        let mut freq = [0u32; 256];
        let (mut a, mut b) = (1u32, 1u32);
        for slot in freq.iter_mut().take(30) {
            *slot = a;
            (a, b) = (b, a.saturating_add(b));
        }
        let table = round_trip(&freq);
        assert_eq!(table.symbols.len(), 30);
        // Every symbol used.
        let mut freq = [1u32; 256];
        freq[7] = 100_000;
        round_trip(&freq);
    }

    #[test]
    fn one_symbol_gets_a_code() {
        let mut freq = [0u32; 256];
        freq[0x42] = 5;
        let t = round_trip(&freq);
        assert_eq!(t.counts[0], 1);
    }

    #[test]
    fn stuffing_round_trips() {
        let mut w = BitWriter::default();
        w.put(0xFF, 8);
        w.put(0x3, 2);
        let out = w.finish();
        assert_eq!(out, vec![0xFF, 0x00, 0xFF, 0x00]);
        let mut r = BitReader::new(&out, 0);
        assert_eq!(r.bits(8).unwrap(), 0xFF);
        assert_eq!(r.bits(2).unwrap(), 3);
    }
}
