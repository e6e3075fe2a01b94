// SyncFolder: brings the household in step with one folder kept in place,
// as it is on disk now. The folder watcher (folder_watch.h) calls it at
// start-up, once changes settle, and on its periodic rescan.
//
//   unavailable  the folder is not there, cannot be read, sits on another
//                disk than when it was imported (an unmounted disk leaves
//                its mount point behind), or none of the files imported
//                from it is there (a share that is down): nothing is
//                imported, released or marked -- the node says so and
//                waits.
//   available    new and changed files are imported in place (importer.h:
//                a moved or renamed file is found again by its bytes, a
//                re-tagged one becomes its track's new version, releasing
//                the old claim). Then every file whose bytes are gone from
//                where they were (deleted, truncated, replaced) and that
//                was a blob's original here is settled: another file here
//                with the same bytes becomes the original; else this
//                device stops holding the blob and the original is
//                recorded missing (store/missing_originals.h). The claim
//                always stands: a deletion never releases one.
//
// One thread; the home and catalog are borrowed for the call.
#pragma once

#include <atomic>
#include <expected>
#include <string>

#include "node/library/catalog.h"
#include "node/library/importer.h"
#include "node/store/home.h"
#include "node/store/import_roots.h"

namespace hearth::library {

struct FolderSyncReport {
  bool available = true;
  std::string why;         // when unavailable
  ImportSummary import;    // what the import of new and changed files did
  size_t versions = 0;     // of those, new versions of re-tagged files
  size_t gone = 0;         // originals no longer where they were
  size_t rekept = 0;       // of those, kept from another file with the same bytes
  size_t missing = 0;      // of those, now missing on this device
};

std::expected<FolderSyncReport, std::string> SyncFolder(store::Home& home, Catalog& catalog,
                                                        const store::ImportRoot& root,
                                                        const std::atomic<bool>* cancel = nullptr);

}  // namespace hearth::library
