// StatementCache: prepared statements kept for reuse by readers that ask the
// database many small questions (SqlLedgerIndex, SqlPlan), and the first
// failure among them, kept for readers whose interface cannot return one
// (they answer "nothing" and the caller asks TakeError afterwards).
//
// Borrows the Database, which must outlive it; one thread. A borrowed
// statement is reset when it goes back, so none is left on a row (which
// would hold a read transaction open).
#pragma once

#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "node/store/database.h"

namespace hearth::store {

class StatementCache {
 public:
  explicit StatementCache(Database& db) : db_(&db) {}

  struct ResetOnReturn {
    void operator()(Statement* st) const { st->Reset(); }
  };
  using Borrowed = std::unique_ptr<Statement, ResetOnReturn>;
  // The statement for `sql` (a string with static storage: it is keyed by
  // address), prepared once; null when preparing fails (recorded).
  Borrowed Prepared(const char* sql) {
    auto& slot = statements_[sql];
    if (!slot) {
      auto st = db_->Prepare(sql);
      if (!st) {
        Fail(st.error());
        return nullptr;
      }
      slot = std::make_unique<Statement>(std::move(*st));
    }
    return Borrowed(slot.get());
  }

  // Records `e` unless an earlier failure is still untaken.
  void Fail(const StoreError& e) {
    if (!error_) error_ = e;
  }
  // Whether `r` holds a value; records its error when not.
  template <typename T>
  bool Ok(const std::expected<T, StoreError>& r) {
    if (!r) Fail(r.error());
    return r.has_value();
  }
  // The first failure since the last call, if any.
  std::optional<StoreError> TakeError() { return std::exchange(error_, std::nullopt); }

 private:
  Database* db_;
  std::map<const char*, std::unique_ptr<Statement>> statements_;
  std::optional<StoreError> error_;
};

}  // namespace hearth::store
