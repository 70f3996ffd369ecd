//! CLI cases as folders (`tests/cases`): for each, the input tree (`<case>.in`), the command
//! (`<case>.toml`), the expected stdout, stderr and exit status, and, where the command writes
//! files, the resulting tree (`<case>.out`). Regenerate with `TRYCMD=overwrite`.

#[test]
fn cases() {
    trycmd::TestCases::new().case("tests/cases/*.toml");
}
