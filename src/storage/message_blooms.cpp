#include "storage/message_blooms.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace rm {

namespace {
constexpr int k_bloom_probes = 3;

uint64_t load_le(const char* p) {
    uint64_t v = 0;
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(&v, p, 8);
    } else {
        for (int i = 7; i >= 0; --i) {
            v = v << 8 | static_cast<unsigned char>(p[i]);
        }
    }
    return v;
}

void store_le(uint64_t v, char* p) {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(p, &v, 8);
    } else {
        for (int i = 0; i < 8; ++i) {
            p[i] = static_cast<char>(v >> (8 * i) & 0xff);
        }
    }
}
} // namespace

// [SECTION] Bloom filter

BloomFilter::BloomFilter() : m_blocks(k_default_bits / 512) {}
BloomFilter::BloomFilter(size_t bits) : m_blocks((bits + 511) / 512) {}

// A blocked Bloom filter: the key's low bits pick one 512-bit block (one cache line), its high
// bits the probe bits inside it, so a lookup or an addition costs one cache miss, not three.
static uint64_t bloom_bit(int64_t signed_key, int probe) {
    const auto key = std::bit_cast<uint64_t>(signed_key);
    return key >> (32 + 9 * probe) & 511;
}

size_t BloomFilter::block_of(int64_t key) const {
    return std::bit_cast<uint64_t>(key) % m_blocks.size();
}

bool BloomFilter::maybe_contains(int64_t key) const {
    if (m_blocks.empty()) {
        return true;
    }
    const Block& block = m_blocks[block_of(key)];
    for (int i = 0; i < k_bloom_probes; ++i) {
        uint64_t bit = bloom_bit(key, i);
        if (!(block.words[bit / 64] >> (bit % 64) & 1)) {
            return false;
        }
    }
    return true;
}

void BloomFilter::add(int64_t key) {
    Block& block = m_blocks[block_of(key)];
    for (int i = 0; i < k_bloom_probes; ++i) {
        uint64_t bit = bloom_bit(key, i);
        block.words[bit / 64] |= uint64_t{1} << (bit % 64);
    }
}

double BloomFilter::fill() const {
    size_t set = 0;
    for (const Block& block : m_blocks) {
        for (uint64_t w : block.words) {
            set += static_cast<size_t>(std::popcount(w));
        }
    }
    return m_blocks.empty() ? 0.0 : static_cast<double>(set) / (m_blocks.size() * 512.0);
}

void BloomFilter::clear() {
    std::fill(m_blocks.begin(), m_blocks.end(), Block{});
}

std::string BloomFilter::bytes(size_t offset, size_t size) const {
    std::string out;
    if (offset % 8 != 0 || size % 8 != 0 || offset > byte_size() || size > byte_size() - offset) {
        return out;
    }
    out.resize(size);
    for (size_t i = 0; i < size / 8; ++i) {
        const size_t w = offset / 8 + i;
        store_le(m_blocks[w / 8].words[w % 8], out.data() + 8 * i);
    }
    return out;
}

bool BloomFilter::merge(size_t offset, std::string_view bytes) {
    const size_t size = bytes.size();
    if (offset % 8 != 0 || size % 8 != 0 || offset > byte_size() || size > byte_size() - offset) {
        return false;
    }
    for (size_t i = 0; i < size / 8; ++i) {
        const size_t w = offset / 8 + i;
        m_blocks[w / 8].words[w % 8] |= load_le(bytes.data() + 8 * i);
    }
    return true;
}

BloomFilter BloomFilter::from_bytes(std::string_view bytes) {
    if (bytes.size() % sizeof(Block) != 0) {
        return BloomFilter(0);
    }
    BloomFilter out(bytes.size() * 8);
    out.merge(0, bytes);
    return out;
}

// [SECTION] the stored filters

Status StoredBlooms::open(sql::Database& db) {
    m_db = &db;
    auto segment =
        db.prepare("INSERT OR REPLACE INTO message_blooms (segment, bits) VALUES (?, ?)");
    auto chunk = db.prepare(
        "INSERT OR REPLACE INTO message_bloom_chunks (chunk, covers, bits) VALUES (?, ?, ?)");
    if (!segment || !chunk) {
        return !segment ? segment.error() : chunk.error();
    }
    m_save_segment = std::move(*segment);
    m_save_chunk = std::move(*chunk);
    m_covers.assign(BloomFilter::k_default_bits / 8 / k_chunk_bytes, 0);
    return Ok{};
}

Status StoredBlooms::load(int64_t segment_count, BloomFilter& global,
                          std::vector<BloomFilter>& segments) {
    m_covers.assign(global.byte_size() / k_chunk_bytes, 0);
    auto by_segment = m_db->prepare("SELECT segment, bits FROM message_blooms WHERE segment < ?");
    auto chunks = m_db->prepare("SELECT chunk, covers, bits FROM message_bloom_chunks");
    if (!by_segment || !chunks) {
        return !by_segment ? by_segment.error() : chunks.error();
    }
    by_segment->bind(1, segment_count);
    auto st = by_segment->each_row([&](const sql::Statement& row) {
        const int64_t s = row.column_int(0);
        if (s >= 0 && static_cast<size_t>(s) < segments.size()) {
            segments[static_cast<size_t>(s)] = BloomFilter::from_bytes(row.column_text(1));
        }
    });
    if (!st) {
        return st;
    }
    return chunks->each_row([&](const sql::Statement& row) {
        const int64_t chunk = row.column_int(0);
        const std::string bits = row.column_text(2);
        if (chunk < 0 || static_cast<size_t>(chunk) >= m_covers.size() ||
            bits.size() != k_chunk_bytes ||
            !global.merge(static_cast<size_t>(chunk) * k_chunk_bytes, bits)) {
            return; // not of this geometry: as if missing
        }
        // A chunk cannot cover segments that do not exist (yet).
        m_covers[static_cast<size_t>(chunk)] =
            std::clamp<int64_t>(row.column_int(1), 0, segment_count);
    });
}

int64_t StoredBlooms::covered() const {
    return m_covers.empty() ? 0 : *std::min_element(m_covers.begin(), m_covers.end());
}

Status StoredBlooms::save_segment(int64_t segment, const BloomFilter& bloom) {
    const std::string bits = bloom.bytes(0, bloom.byte_size());
    m_save_segment.bind(1, segment).bind_blob(2, bits);
    return m_save_segment.run();
}

Status StoredBlooms::save_chunks(const BloomFilter& global, int64_t segments, int64_t lag,
                                 size_t max_chunks) {
    // Round robin from where the last call stopped, so that every chunk gets its turn.
    size_t saved = 0;
    for (size_t n = 0; n < m_covers.size() && saved < max_chunks; ++n) {
        const size_t i = (m_next_chunk + n) % m_covers.size();
        if (m_covers[i] + lag > segments) {
            continue;
        }
        const std::string bits = global.bytes(i * k_chunk_bytes, k_chunk_bytes);
        m_save_chunk.bind(1, static_cast<int64_t>(i)).bind(2, segments).bind_blob(3, bits);
        if (auto st = m_save_chunk.run(); !st) {
            return st;
        }
        m_covers[i] = segments;
        m_next_chunk = i + 1;
        ++saved;
    }
    return Ok{};
}

Status StoredBlooms::drop_segment(int64_t segment) {
    auto drop = m_db->prepare("DELETE FROM message_blooms WHERE segment = ?");
    if (!drop) {
        return drop.error();
    }
    return drop->bind(1, segment).run();
}

Status StoredBlooms::clear() {
    if (auto st = m_db->exec("DELETE FROM message_blooms; DELETE FROM message_bloom_chunks"); !st) {
        return st;
    }
    std::fill(m_covers.begin(), m_covers.end(), 0);
    return Ok{};
}

} // namespace rm
