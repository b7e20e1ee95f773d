#include "common/text_table.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(TextTable, ColumnsAreAsWideAsTheirWidestCellNumbersRightAligned) {
  TextTable table;
  table.Column("NAME").Column("N", true);
  table.Row({"a", "1"}).Row({"longer", "100"});
  EXPECT_EQ(table.Format(), "NAME      N\na         1\nlonger  100\n");
}

}  // namespace
}  // namespace sluice
