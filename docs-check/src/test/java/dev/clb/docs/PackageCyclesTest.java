package dev.clb.docs;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** In every module, the packages depend on each other in one direction only: no package reaches itself through others. */
class PackageCyclesTest {

    /**
     * One slice per package directly under the module's root package, and one for the root itself: the usual
     * {@code matching("root.(*)..")} leaves the root package out, and with it any cycle through it.
     */
    private static SliceAssignment topLevelPackagesOf(String root) {
        return new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                String name = javaClass.getPackageName();
                if (name.equals(root)) return SliceIdentifier.of("(root)");
                if (!name.startsWith(root + ".")) return SliceIdentifier.ignore();
                return SliceIdentifier.of(name.substring(root.length() + 1).split("\\.")[0]);
            }

            @Override
            public String getDescription() {
                return "the packages of " + root + " (the root package one of them)";
            }
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev.clb.hashmap", "dev.clb.replica", "dev.clb.lb", "dev.clb.analyzer"})
    void packagesFormNoCycle(String root) {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(root);
        slices().assignedFrom(topLevelPackagesOf(root)).should().beFreeOfCycles().check(classes);
    }
}
