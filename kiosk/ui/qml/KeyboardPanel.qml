import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

// Qt Virtual Keyboard inside the window (Pinyin and Latin), shown when a text field has focus. In a file of
// its own, so the keyboard's QML modules are loaded by Main.qml's asynchronous Loader after the first frame
// instead of at start (they were a large part of the cold start).
InputPanel {
    id: panel
    objectName: "inputPanel"
    property var ctl: null
    visible: Qt.inputMethod.visible
    Component.onCompleted: {
        VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US"];
        VirtualKeyboardSettings.locale = (panel.ctl && panel.ctl.lang === "en" ? "en_US" : "zh_CN");
    }
    // every citizen starts with the terminal's keyboard: no locale carried over
    Connections {
        target: panel.ctl
        function onScreenChanged() {
            if (panel.ctl.screen === "attract")
                VirtualKeyboardSettings.locale = (panel.ctl.lang === "en" ? "en_US" : "zh_CN");
        }
    }
}
