import QtQuick

// The catalog for up to 170 services: tabs (常用, this card's services, categories, 全部), a page of tiles with
// tappable page dots instead of a hidden scroll, and search by pinyin initials or Chinese (kiosk/ui/catalog_browser.py).
// Any service: a tab, a page dot, the tile. A paused service still answers a tap with why it is paused.
Item {
    id: screen
    property var ctl
    property var cb: catalogBrowser
    property string pausedNote: ""
    readonly property int gap: 10
    readonly property int cols: assist.sizes.columns

    Flow {
        id: tabs
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: 16 }
        spacing: 6
        Repeater {
            model: screen.cb.tabs
            delegate: Rectangle {
                required property var modelData
                objectName: "tab_" + modelData.id
                readonly property bool current: screen.cb.tab === modelData.id
                width: Math.max(assist.sizes.button, tabLabel.implicitWidth + 36); height: assist.sizes.button
                radius: 12; color: current ? "#0b4f9c" : (tabTap.pressed ? "#d7e3f1" : "white")
                border.color: "#0b4f9c"; border.width: 2
                Text { id: tabLabel; anchors.centerIn: parent; text: parent.modelData.label
                       color: parent.current ? "white" : "#0b4f9c"; font.family: "WenQuanYi Micro Hei"
                       font.bold: true; font.pixelSize: assist.elderly ? 40 : 26 }
                TapHandler { id: tabTap; gesturePolicy: TapHandler.ReleaseWithinBounds
                             onTapped: screen.cb.setTab(parent.modelData.id) }
            }
        }
    }

    Grid {
        id: grid
        objectName: "catalogGrid"
        anchors { left: parent.left; right: parent.right; top: tabs.bottom; bottom: bottomRow.top; margins: 16 }
        columns: screen.cols
        spacing: screen.gap
        readonly property int rows: Math.ceil((assist.elderly ? 6 : 12) / screen.cols)
        Repeater {
            model: screen.cb.tiles
            delegate: Rectangle {
                required property var modelData
                objectName: "service_" + modelData.id
                width: (grid.width - (screen.cols - 1) * screen.gap) / screen.cols
                height: Math.max(88, (grid.height - (grid.rows - 1) * screen.gap) / grid.rows)
                radius: 14
                color: !modelData.available ? (tileTap.pressed ? "#d0d6dd" : "#e3e7ec") : tileTap.pressed ? "#d7e3f1" : "white"
                border.color: modelData.available ? "#0b4f9c" : "#6b7785"; border.width: 2
                Image {
                    id: icon
                    objectName: "icon_" + parent.modelData.id
                    anchors { left: parent.left; leftMargin: 14; verticalCenter: parent.verticalCenter }
                    width: assist.elderly ? 64 : 52; height: width
                    sourceSize.width: 128; sourceSize.height: 128
                    source: parent.modelData.iconUrl
                }
                Column {
                    anchors { left: icon.right; right: parent.right; verticalCenter: parent.verticalCenter
                              leftMargin: 12; rightMargin: 10 }
                    spacing: 2
                    Text {
                        width: parent.width; wrapMode: Text.WordWrap; maximumLineCount: 2; elide: Text.ElideRight
                        text: modelData.title
                        color: modelData.available ? "#0b4f9c" : "#3d4a57"
                        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; font.bold: true
                    }
                    Text {
                        width: parent.width; elide: Text.ElideRight
                        text: modelData.available ? modelData.category
                              : (screen.ctl ? screen.ctl.s["catalog.unavailable"] : "") + " · " + modelData.reason
                        color: modelData.available ? "#4a5663" : "#a12a1e"
                        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 22
                        visible: !assist.elderly || !modelData.available
                    }
                }
                function chosen() {
                    if (modelData.available) {
                        screen.cb.open(modelData.id);
                    } else {
                        screen.pausedNote = (screen.ctl ? screen.ctl.s["catalog.paused_note"] || "" : "")
                            .replace("{title}", modelData.title).replace("{reason}", modelData.reason);
                        noteTimer.restart();
                    }
                }
                TapHandler {
                    id: tileTap
                    gesturePolicy: TapHandler.ReleaseWithinBounds
                    onTapped: parent.chosen()
                    onLongPressed: parent.chosen()
                }
            }
        }
    }
    Text {
        objectName: "noResults"
        anchors.centerIn: grid
        visible: screen.cb.query !== "" && screen.cb.tiles.length === 0
        text: screen.ctl ? screen.ctl.s["catalog.no_results"] : ""
        color: "#1b2733"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28
    }

    Item {
        id: bottomRow
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: 16 }
        height: assist.sizes.button
        Rectangle {
            id: searchBox
            anchors { left: parent.left; top: parent.top; bottom: parent.bottom }
            width: assist.elderly ? 460 : 420
            radius: 12; color: "white"; border.color: "#0b4f9c"; border.width: 2
            Image { id: searchIcon; anchors { left: parent.left; leftMargin: 14; verticalCenter: parent.verticalCenter }
                    width: 40; height: 40; sourceSize.width: 80; sourceSize.height: 80
                    source: Qt.resolvedUrl("../../../assets/icons/search.svg") }
            TextInput {
                id: search
                objectName: "catalogSearch"
                anchors { left: searchIcon.right; right: parent.right; verticalCenter: parent.verticalCenter
                          leftMargin: 10; rightMargin: 12 }
                font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28
                color: "#1b2733"; clip: true
                // pinyin being typed (preedit) searches by initials; a chosen word searches by Chinese
                onTextChanged: screen.cb.setQuery(text + preeditText)
                onPreeditTextChanged: screen.cb.setQuery(text + preeditText)
            }
            Text {
                anchors { left: search.left; right: parent.right; verticalCenter: parent.verticalCenter }
                visible: search.text === "" && search.preeditText === "" && !search.activeFocus
                text: screen.ctl ? screen.ctl.s["catalog.search"] : ""
                elide: Text.ElideRight
                color: "#4a5663"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24
            }
            TapHandler { onTapped: { search.forceActiveFocus(); Qt.inputMethod.show(); } }
        }
        // the page indicator: every dot is a target. When the dots do not all fit beside the search box (全部 with
        // 170 services has 15 pages), the first, the last and the pages around the current one are shown, so the
        // row never runs under the search box or off the screen.
        Row {
            id: pager
            objectName: "pageIndicator"
            anchors { right: parent.right; top: parent.top; bottom: parent.bottom }
            spacing: 8
            visible: screen.cb.pages > 1
            readonly property int room: Math.max(3, Math.floor((parent.width - searchBox.width - 24 - pageLabel.implicitWidth) / (88 + spacing)))
            readonly property var shown: {
                var total = screen.cb.pages, current = screen.cb.page, out = [];
                if (total <= room) { for (var i = 0; i < total; i++) out.push(i); return out; }
                var inner = room - 2, first = Math.max(1, Math.min(current - Math.floor(inner / 2), total - 1 - inner));
                out.push(0);
                for (var j = first; j < first + inner; j++) out.push(j);
                out.push(total - 1);
                return out;
            }
            Text {
                id: pageLabel
                anchors.verticalCenter: parent.verticalCenter
                text: screen.ctl ? screen.ctl.s["catalog.page"].replace("{n}", screen.cb.page + 1).replace("{total}", screen.cb.pages) : ""
                color: "#1b2733"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24
            }
            Repeater {
                model: pager.shown
                delegate: Rectangle {
                    required property int modelData
                    objectName: "page_" + modelData
                    width: Math.max(88, (pager.parent.width - searchBox.width - 380) / Math.max(1, pager.shown.length) - 8)
                    height: parent.height
                    radius: 12
                    color: modelData === screen.cb.page ? "#0b4f9c" : "white"
                    border.color: "#0b4f9c"; border.width: 2
                    Text { anchors.centerIn: parent; text: parent.modelData + 1
                           color: parent.modelData === screen.cb.page ? "white" : "#0b4f9c"
                           font.family: "WenQuanYi Micro Hei"; font.bold: true; font.pixelSize: assist.elderly ? 40 : 28 }
                    TapHandler { gesturePolicy: TapHandler.ReleaseWithinBounds; onTapped: screen.cb.setPage(parent.modelData) }
                }
            }
        }
    }

    Rectangle {
        objectName: "pausedNote"
        visible: screen.pausedNote !== ""
        anchors { horizontalCenter: parent.horizontalCenter; bottom: parent.bottom; bottomMargin: 36 }
        width: Math.min(parent.width - 120, note.implicitWidth + 64); height: note.implicitHeight + 40
        radius: 14; color: "#1b2733"
        Text { id: note; objectName: "pausedNoteText"; anchors.centerIn: parent; width: parent.width - 64
               horizontalAlignment: Text.AlignHCenter; wrapMode: Text.WordWrap; text: screen.pausedNote
               color: "white"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28 }
        TapHandler { onTapped: screen.pausedNote = "" }
    }
    Timer { id: noteTimer; interval: 5000; onTriggered: screen.pausedNote = "" }
}
