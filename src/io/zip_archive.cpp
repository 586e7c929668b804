// torch.save's zip container through libzip (see zip_archive.h).
#include "io/zip_archive.h"

#include <zip.h>

#include <cstring>

#include "io/file_io.h"
#include "wick/error.h"

namespace wick::zip_detail {
namespace {

const char* kNotZipFix = "pass a file written by torch.save (PyTorch 1.6 or later)";

// Opens the archive on `src` (which it takes over, also on failure).
zip_t* open_source(zip_source_t* src, const std::string& file) {
  zip_error_t err;
  zip_error_init(&err);
  // ZIP_CHECKCONS: libzip also checks each local header against the
  // central directory, so a damaged archive fails here rather than later.
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!za) {
    zip_source_free(src);
    const std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    io_detail::fail(file, "not a valid zip archive (libzip: " + why + "); the file is truncated or damaged", kNotZipFix);
  }
  zip_error_fini(&err);
  return za;
}

}  // namespace

ZipReader ZipReader::from_memory(const void* data, size_t size, const std::string& file) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(size ? data : nullptr, size, 0, &err);
  zip_error_fini(&err);
  if (!src) throw Error(file + ": out of memory creating a zip source");
  return ZipReader(open_source(src, file), size, file);
}

ZipReader ZipReader::from_file(std::FILE* f, uint64_t size, const std::string& file) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_filep_create(f, 0, -1, &err);  // takes f, also on failure
  const std::string why = src ? "" : zip_error_strerror(&err);
  zip_error_fini(&err);
  if (!src) io_detail::fail(file, "cannot read the file (libzip: " + why + ")", "check the path and permissions");
  return ZipReader(open_source(src, file), size, file);
}

ZipReader::ZipReader(ZipReader&& o) noexcept : za_(o.za_), size_(o.size_), file_(std::move(o.file_)) { o.za_ = nullptr; }

ZipReader::~ZipReader() {
  if (za_) zip_discard(za_);
}

std::vector<std::string> ZipReader::names() const {
  std::vector<std::string> out;
  const zip_int64_t n = zip_get_num_entries(za_, 0);
  for (zip_int64_t i = 0; i < n; ++i) out.push_back(entry_name(i));
  return out;
}

std::string ZipReader::entry_name(int64_t index) const {
  const char* name = zip_get_name(za_, static_cast<zip_uint64_t>(index), ZIP_FL_ENC_RAW);
  return name ? name : "";
}

int64_t ZipReader::locate(const std::string& name) const {
  return zip_name_locate(za_, name.c_str(), ZIP_FL_ENC_RAW);
}

uint64_t ZipReader::entry_size(int64_t index) const {
  zip_stat_t st;
  zip_stat_init(&st);
  const std::string name = entry_name(index);
  if (zip_stat_index(za_, static_cast<zip_uint64_t>(index), 0, &st) != 0)
    io_detail::fail(file_, "cannot read the zip entry '" + name + "' (libzip: " + zip_strerror(za_) + ")", kNotZipFix);
  const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
  if ((st.valid & need) != need) io_detail::fail(file_, "the zip entry '" + name + "' has no size", kNotZipFix);
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    io_detail::fail(file_, "the zip entry '" + name + "' is encrypted", kNotZipFix);
  // Only stored entries: their size is bounded by the archive's, so it is
  // safe to allocate, and torch.save never compresses.
  if (st.comp_method != ZIP_CM_STORE)
    io_detail::fail(file_, "the zip entry '" + name + "' is compressed (method " + std::to_string(st.comp_method) +
                               "); torch.save stores entries uncompressed",
                    "re-save the checkpoint with torch.save instead of re-zipping it");
  if (st.comp_size != st.size || st.size > size_)
    io_detail::fail(file_, "the zip entry '" + name + "' claims " + std::to_string(st.size) +
                               " bytes, more than the archive holds", "the file is damaged; re-save it");
  return st.size;
}

void ZipReader::read(int64_t index, void* dst, uint64_t size) const {
  const std::string name = entry_name(index);
  zip_file_t* zf = zip_fopen_index(za_, static_cast<zip_uint64_t>(index), 0);
  if (!zf)
    io_detail::fail(file_, "cannot open the zip entry '" + name + "' (libzip: " + zip_strerror(za_) + ")", kNotZipFix);
  auto* out = static_cast<uint8_t*>(dst);
  uint64_t done = 0;
  std::string problem;
  while (done < size) {
    const zip_int64_t n = zip_fread(zf, out + done, size - done);
    if (n <= 0) {
      problem = n < 0 ? zip_file_strerror(zf) : "it ends early";
      break;
    }
    done += static_cast<uint64_t>(n);
  }
  // One more read reaches the end of the entry, where libzip checks its CRC.
  uint8_t extra;
  if (problem.empty()) {
    const zip_int64_t n = zip_fread(zf, &extra, 1);
    if (n < 0) problem = zip_file_strerror(zf);
    if (n > 0) problem = "it is longer than its recorded size";
  }
  zip_fclose(zf);
  if (!problem.empty())
    io_detail::fail(file_, "reading the zip entry '" + name + "' failed (libzip: " + problem + ")",
                    "the file is damaged; re-save it");
}

std::string ZipReader::read_string(int64_t index, uint64_t max_size) const {
  const uint64_t n = entry_size(index);
  if (n > max_size)
    io_detail::fail(file_, "the zip entry '" + entry_name(index) + "' has " + std::to_string(n) +
                               " bytes, more than the " + std::to_string(max_size) + " wick accepts",
                    "the file is damaged or not a torch.save state_dict");
  std::string s(n, '\0');
  read(index, s.data(), n);
  return s;
}

namespace {

// A local file header is 30 bytes plus the name and the extra field.
constexpr uint64_t kLocalHeader = 30;
constexpr uint64_t kAlign = 64;
// The extra field id PyTorch's writer pads with ("FB"); readers skip it.
constexpr zip_uint16_t kPadFieldId = 0x4246;

[[noreturn]] void write_error(const std::string& context, zip_t* za, zip_source_t* out) {
  const std::string why = za ? zip_strerror(za) : "out of memory";
  if (za) zip_discard(za);
  if (out) zip_source_free(out);
  throw Error(context + ": building the zip archive failed (libzip: " + why + ")");
}

}  // namespace

std::string write_zip(const std::vector<ZipEntry>& entries, const std::string& context) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_error_fini(&err);
  if (!out) write_error(context, nullptr, nullptr);
  zip_source_keep(out);  // kept past zip_close, to read the archive back
  zip_t* za = zip_open_from_source(out, ZIP_TRUNCATE, nullptr);
  if (!za) write_error(context, nullptr, out);
  uint64_t offset = 0;  // of the next local header
  static const uint8_t zeros[kAlign] = {};
  for (const ZipEntry& e : entries) {
    zip_source_t* src = zip_source_buffer(za, e.size ? e.data : nullptr, e.size, 0);
    const zip_int64_t i = src ? zip_file_add(za, e.name.c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
    if (i < 0) {
      if (src) zip_source_free(src);
      write_error(context, za, out);
    }
    const auto idx = static_cast<zip_uint64_t>(i);
    // A fixed time: the same tensors give the same bytes.
    if (zip_set_file_compression(za, idx, ZIP_CM_STORE, 0) != 0 || zip_file_set_mtime(za, idx, 315532800, 0) != 0)
      write_error(context, za, out);
    // Pad the local header's extra field so the data starts 64-byte aligned.
    const uint64_t header = kLocalHeader + e.name.size() + 4;
    const auto pad = static_cast<zip_uint16_t>((kAlign - (offset + header) % kAlign) % kAlign);
    if (zip_file_extra_field_set(za, idx, kPadFieldId, ZIP_EXTRA_FIELD_NEW, zeros, pad, ZIP_FL_LOCAL) != 0)
      write_error(context, za, out);
    offset += header + pad + e.size;
  }
  if (zip_close(za) != 0) write_error(context, za, out);
  std::string bytes;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_open(out) != 0 || zip_source_stat(out, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    write_error(context, nullptr, out);
  bytes.resize(st.size);
  zip_int64_t got = bytes.empty() ? 0 : zip_source_read(out, bytes.data(), bytes.size());
  zip_source_close(out);
  zip_source_free(out);
  if (got < 0 || static_cast<uint64_t>(got) != bytes.size()) throw Error(context + ": reading back the zip archive failed");
  return bytes;
}

}  // namespace wick::zip_detail
