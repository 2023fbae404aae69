package dev.clb.analyzer;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/** The analyzer's packages depend on each other in one direction only. */
class PackageCyclesTest {
    private static final String ROOT = "dev.clb.analyzer";

    /**
     * One slice per package directly under {@value #ROOT}, and one for {@value #ROOT} itself: the usual
     * {@code matching("dev.clb.analyzer.(*)..")} leaves the root package out, and with it any cycle through it.
     */
    private static final SliceAssignment TOP_LEVEL_PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String name = javaClass.getPackageName();
            if (name.equals(ROOT)) return SliceIdentifier.of("(root)");
            if (!name.startsWith(ROOT + ".")) return SliceIdentifier.ignore();
            return SliceIdentifier.of(name.substring(ROOT.length() + 1).split("\\.")[0]);
        }

        @Override
        public String getDescription() {
            return "the packages of " + ROOT + " (the root package one of them)";
        }
    };

    @Test
    void packagesFormNoCycle() {
        var classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
        slices().assignedFrom(TOP_LEVEL_PACKAGES).should().beFreeOfCycles().check(classes);
    }
}
