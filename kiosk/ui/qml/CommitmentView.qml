import QtQuick

// 告知承诺制: read the commitment, sign with a finger, then commit (or decline).
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    property var strokes: []
    Rectangle {
        id: textBox
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: 200; radius: 14; color: "white"
        Text {
            objectName: "commitmentText"
            anchors { fill: parent; margins: 24 }
            wrapMode: Text.WordWrap; text: view.v.commitment || ""
            font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; color: "#1b2733"; lineHeight: 1.25
        }
    }
    Text { id: signLabel
           anchors { left: parent.left; top: textBox.bottom; topMargin: 12 }
           visible: view.v.needsSignature || false
           objectName: "signLabel"
           // the "please sign first" reminder goes as soon as there is a signature on the pad
           property bool remind: !!view.v.status && view.strokes.length === 0
           text: (view.ctl ? view.ctl.s["commitment.sign_here"] : "") + (remind ? "  " + view.v.status : "")
           font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: remind ? "#c0392b" : "#5b6b7c" }
    Rectangle {
        id: pad
        objectName: "signaturePad"
        visible: view.v.needsSignature || false
        anchors { left: parent.left; right: parent.right; top: signLabel.bottom; topMargin: 8; bottom: buttons.top; bottomMargin: 16 }
        radius: 14; color: "#fbfcfe"; border.color: "#0b4f9c"; border.width: 2
        Canvas {
            id: canvas
            anchors.fill: parent
            onPaint: {
                var ctx = getContext("2d");
                ctx.clearRect(0, 0, width, height);
                ctx.strokeStyle = "#1b2733"; ctx.lineWidth = 4; ctx.lineCap = "round";
                for (var s = 0; s < view.strokes.length; s++) {
                    var st = view.strokes[s];
                    ctx.beginPath();
                    for (var i = 0; i < st.length; i++) { if (i === 0) ctx.moveTo(st[i][0], st[i][1]); else ctx.lineTo(st[i][0], st[i][1]); }
                    ctx.stroke();
                }
            }
        }
        PointHandler {
            id: pen
            onActiveChanged: {
                if (active) {
                    var all = view.strokes.slice();
                    all.push([[point.position.x, point.position.y]]);
                    view.strokes = all;
                }
            }
            onPointChanged: {
                if (!active || view.strokes.length === 0) return;
                var all = view.strokes.slice();
                var last = all[all.length - 1].slice();
                last.push([point.position.x, point.position.y]);
                all[all.length - 1] = last;
                view.strokes = all;
                canvas.requestPaint();
            }
        }
    }
    Row {
        id: buttons
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: 20
        BigButton { objectName: "signClear"; visible: view.v.needsSignature || false; primary: false
                    text: view.ctl ? view.ctl.s["commitment.clear"] : ""; onClicked: { view.strokes = []; canvas.requestPaint() } }
        BigButton { objectName: "declineButton"; primary: false; text: view.ctl ? view.ctl.s["commitment.decline"] : ""
                    onClicked: view.ctl.tap("decline", null) }
        BigButton { objectName: "commitButton"; implicitWidth: 340; text: view.ctl ? view.ctl.s["commitment.agree"] : ""
                    onClicked: view.ctl.tap("commit", view.strokes) }
    }
}
